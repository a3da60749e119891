// Unit tests for ParseMultipart (src/http/multipart.h): the reference client's
// body, line-ending variants, near-miss delimiters inside values, the header
// and part limits, and the error cases.
#include "http/multipart.h"
#include "http/body.h"

#include <gtest/gtest.h>

#include <string>

namespace coyotes {
namespace {

using namespace std::string_literals;

constexpr std::string_view kB = "XyZzY";

// One part with CRLF line endings: "--B\r\n<headers>\r\n\r\n<value>\r\n".
std::string Part(std::string_view name, std::string_view value,
                 std::string_view boundary = kB) {
  return "--" + std::string(boundary) +
         "\r\nContent-Disposition: form-data; name=\"" + std::string(name) +
         "\"\r\n\r\n" + std::string(value) + "\r\n";
}

std::string Close(std::string_view boundary = kB) {
  return "--" + std::string(boundary) + "--\r\n";
}

TEST(MultipartTest, ReferenceClientBody) {
  const std::string body =
      "----------------------------019175029883341751119913\r\n"
      "Content-Disposition: form-data; name=\"task\"\r\n"
      "\r\n"
      "ping -c 40 example.org\r\n"
      "----------------------------019175029883341751119913--\r\n";
  Result<Form> form = ParseMultipart(
      body, "--------------------------019175029883341751119913");
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  ASSERT_EQ(form->size(), 1u);
  EXPECT_EQ((*form)[0].name, "task");
  EXPECT_EQ((*form)[0].value, "ping -c 40 example.org");
}

TEST(MultipartTest, SeveralFieldsCrlf) {
  Result<Form> form =
      ParseMultipart(Part("a", "1") + Part("b", "two words") + Close(), kB);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  ASSERT_EQ(form->size(), 2u);
  EXPECT_EQ((*form)[0].name, "a");
  EXPECT_EQ((*form)[0].value, "1");
  EXPECT_EQ((*form)[1].name, "b");
  EXPECT_EQ((*form)[1].value, "two words");
}

TEST(MultipartTest, BareLfLineEndings) {
  const std::string body =
      "--XyZzY\n"
      "Content-Disposition: form-data; name=\"a\"\n"
      "\n"
      "first\n"
      "--XyZzY\n"
      "Content-Disposition: form-data; name=\"b\"\n"
      "\n"
      "second\n"
      "--XyZzY--\n";
  Result<Form> form = ParseMultipart(body, kB);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  ASSERT_EQ(form->size(), 2u);
  EXPECT_EQ((*form)[0].value, "first");
  EXPECT_EQ((*form)[1].value, "second");
}

TEST(MultipartTest, MixedLineEndings) {
  const std::string body =
      "--XyZzY\r\n"
      "Content-Disposition: form-data; name=\"a\"\n"
      "\r\n"
      "v\n"
      "--XyZzY--";
  Result<Form> form = ParseMultipart(body, kB);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  ASSERT_EQ(form->size(), 1u);
  EXPECT_EQ((*form)[0].value, "v");
}

TEST(MultipartTest, PreambleAndEpilogueIgnored) {
  const std::string body = "This is the preamble.\r\n--XyZzY is not here\r\n" +
                           Part("a", "1") + Close() +
                           "epilogue\r\n--XyZzY\r\ngarbage";
  Result<Form> form = ParseMultipart(body, kB);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  ASSERT_EQ(form->size(), 1u);
  EXPECT_EQ((*form)[0].value, "1");
}

TEST(MultipartTest, TransportPaddingAfterDelimiters) {
  const std::string body =
      "--XyZzY \t \r\n"
      "Content-Disposition: form-data; name=a\r\n"
      "\r\n"
      "1\r\n"
      "--XyZzY--\t  \r\n";
  Result<Form> form = ParseMultipart(body, kB);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  ASSERT_EQ(form->size(), 1u);
  EXPECT_EQ((*form)[0].value, "1");
}

TEST(MultipartTest, CloseDelimiterWithoutFinalLineBreak) {
  Result<Form> form = ParseMultipart(Part("a", "1") + "--XyZzY--", kB);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  ASSERT_EQ(form->size(), 1u);
}

TEST(MultipartTest, HeadersAreCaseInsensitive) {
  const std::string body =
      "--XyZzY\r\n"
      "content-DISPOSITION :  Form-Data; NAME=\"task\"\r\n"
      "CONTENT-TYPE: text/plain\r\n"
      "\r\n"
      "x\r\n" +
      Close();
  Result<Form> form = ParseMultipart(body, kB);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  ASSERT_EQ(form->size(), 1u);
  EXPECT_EQ((*form)[0].name, "task");
  EXPECT_EQ((*form)[0].value, "x");
}

TEST(MultipartTest, QuotedNameWithEscapedQuoteAndSemicolon) {
  const std::string body =
      "--XyZzY\r\n"
      "Content-Disposition: form-data; name=\"we\\\"ird; name=x\"; "
      "filename=\"a;b.txt\"\r\n"
      "\r\n"
      "v\r\n" +
      Close();
  Result<Form> form = ParseMultipart(body, kB);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  ASSERT_EQ(form->size(), 1u);
  EXPECT_EQ((*form)[0].name, "we\"ird; name=x");
}

TEST(MultipartTest, FileContentIsExactBinaryBytes) {
  const std::string content =
      "\x00\x01--\r\n-\r\n--XyZz\r\n\r\n\xff trailing CR\r"s;
  const std::string body =
      "--XyZzY\r\n"
      "Content-Disposition: form-data; name=\"upload\"; "
      "filename=\"data.bin\"\r\n"
      "Content-Type: application/octet-stream\r\n"
      "\r\n" +
      content + "\r\n" + Close();
  Result<Form> form = ParseMultipart(body, kB);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  ASSERT_EQ(form->size(), 1u);
  EXPECT_EQ((*form)[0].name, "upload");
  EXPECT_EQ((*form)[0].value, content);
  EXPECT_EQ((*form)[0].value.size(), content.size());
}

TEST(MultipartTest, NearMissDelimitersStayInTheValue) {
  const std::string values[] = {
      "a\r\n--XyZz\r\nb",      // prefix of the boundary on its own line
      "a\r\n--XyZzYX\r\nb",    // the boundary followed by more characters
      "a\r\n--XyZzY-\r\nb",    // one dash is not a close delimiter
      "a\r\n--XyZzY--x\r\nb",  // close-looking, but text follows
      "a--XyZzY\r\nb",         // not at the start of a line
      "a\r--XyZzY\r\nb",       // a bare CR is not a line break
      "a\r\n-XyZzY\r\n",       // one dash short
      "--XyZzY is text",       // at a line start but text follows
      "\r\n--xyzzy\r\n",       // boundaries are case-sensitive
  };
  for (const std::string& value : values) {
    Result<Form> form =
        ParseMultipart(Part("f", value) + Part("g", "after") + Close(), kB);
    ASSERT_TRUE(form.ok()) << form.status().ToString();
    ASSERT_EQ(form->size(), 2u) << value;
    EXPECT_EQ((*form)[0].value, value);
    EXPECT_EQ((*form)[1].value, "after");
  }
}

TEST(MultipartTest, ValueEndingInLineBreaks) {
  Result<Form> form = ParseMultipart(Part("a", "line\r\n") + Part("b", "lf\n") +
                                         Part("c", "\r\n\r\n") + Close(),
                                     kB);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  ASSERT_EQ(form->size(), 3u);
  EXPECT_EQ((*form)[0].value, "line\r\n");
  EXPECT_EQ((*form)[1].value, "lf\n");
  EXPECT_EQ((*form)[2].value, "\r\n\r\n");
}

TEST(MultipartTest, EmptyParts) {
  Result<Form> form =
      ParseMultipart(Part("a", "") + Part("b", "") + Close(), kB);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  ASSERT_EQ(form->size(), 2u);
  EXPECT_EQ((*form)[0].value, "");
  EXPECT_EQ((*form)[1].value, "");
}

TEST(MultipartTest, DelimiterRightAfterHeadersIsAnEmptyValue) {
  const std::string body =
      "--XyZzY\r\n"
      "Content-Disposition: form-data; name=a\r\n"
      "\r\n"
      "--XyZzY--\r\n";
  Result<Form> form = ParseMultipart(body, kB);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  ASSERT_EQ(form->size(), 1u);
  EXPECT_EQ((*form)[0].value, "");
}

TEST(MultipartTest, NoPartsIsAnEmptyForm) {
  Result<Form> form = ParseMultipart("--XyZzY--\r\n", kB);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  EXPECT_TRUE(form->empty());
}

TEST(MultipartTest, RepeatedFieldsKeepOrder) {
  Result<Form> form =
      ParseMultipart(Part("args", "-c") + Part("task", "ping") +
                         Part("args", "40") + Part("args", "") + Close(),
                     kB);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  EXPECT_EQ(FormGetAll(*form, "args"),
            (std::vector<std::string>{"-c", "40", ""}));
  ASSERT_NE(FormGet(*form, "task"), nullptr);
  EXPECT_EQ(*FormGet(*form, "task"), "ping");
}

TEST(MultipartTest, MissingTerminator) {
  const std::string bodies[] = {
      Part("a", "1"),                  // no delimiter after the value
      Part("a", "1") + "--XyZzY",      // a delimiter cut off
      Part("a", "1") + "--XyZzY\r\n",  // a delimiter with no next part
      Part("a", "1") + "--XyZzY\r",    // cut inside the line break
      "--XyZzY\r\nContent-Disposition: form-data; name=a\r\n",  // headers
      "--XyZzY\r\nContent-Disposition: form-data; name=a",
      "--XyZzY",
  };
  for (const std::string& body : bodies) {
    Result<Form> form = ParseMultipart(body, kB);
    ASSERT_FALSE(form.ok()) << body;
    EXPECT_EQ(form.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(form.status().message(), "multipart: missing closing boundary")
        << body;
  }
}

TEST(MultipartTest, MissingOpeningBoundary) {
  for (std::string body : {"", "hello", "x--XyZzY\r\n", "--XyZzYX\r\n"}) {
    Result<Form> form = ParseMultipart(body, kB);
    ASSERT_FALSE(form.ok()) << body;
    EXPECT_EQ(form.status().message(), "multipart: missing opening boundary");
  }
}

TEST(MultipartTest, PartWithoutNameIsAnError) {
  const std::string body =
      "--XyZzY\r\n"
      "Content-Disposition: form-data; filename=\"x.txt\"\r\n"
      "\r\n"
      "v\r\n" +
      Close();
  Result<Form> form = ParseMultipart(body, kB);
  ASSERT_FALSE(form.ok());
  EXPECT_EQ(form.status().message(), "multipart: part 1: no name");
}

TEST(MultipartTest, PartWithoutDispositionIsAnError) {
  const std::string body = Part("a", "1") +
                           "--XyZzY\r\n"
                           "Content-Type: text/plain\r\n"
                           "\r\n"
                           "v\r\n" +
                           Close();
  Result<Form> form = ParseMultipart(body, kB);
  ASSERT_FALSE(form.ok());
  EXPECT_EQ(form.status().message(),
            "multipart: part 2: no Content-Disposition header");
}

TEST(MultipartTest, BadDispositionsAreErrors) {
  const std::string headers[] = {
      "Content-Disposition: attachment; name=a",
      "Content-Disposition: form-data; name=\"unterminated",
      "Content-Disposition: form-data; name",
      "Content-Disposition: form-data; name=a\r\nContent-Disposition: "
      "form-data; name=b",
      "Content-Disposition form-data; name=a",  // no colon
      ": form-data; name=a",                    // no header name
  };
  for (const std::string& header : headers) {
    const std::string body = "--XyZzY\r\n" + header + "\r\n\r\nv\r\n" + Close();
    Result<Form> form = ParseMultipart(body, kB);
    ASSERT_FALSE(form.ok()) << header;
    EXPECT_EQ(form.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(form.status().message().rfind("multipart: part 1: ", 0), 0u)
        << form.status().message();
  }
}

TEST(MultipartTest, FoldedDispositionHeader) {
  const std::string body =
      "--XyZzY\r\n"
      "Content-Disposition: form-data;\r\n"
      "\tname=\"folded\"\r\n"
      "\r\n"
      "v\r\n" +
      Close();
  Result<Form> form = ParseMultipart(body, kB);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  ASSERT_EQ(form->size(), 1u);
  EXPECT_EQ((*form)[0].name, "folded");
}

TEST(MultipartTest, HugeHeadersAreRejected) {
  const std::string big(kMultipartMaxHeaderBytes, 'x');
  // A long unterminated header line, then a long header section made of
  // short lines.
  std::string lines;
  while (lines.size() <= kMultipartMaxHeaderBytes) lines += "X-Pad: 1234\r\n";
  const std::string bodies[] = {
      "--XyZzY\r\nContent-Disposition: form-data; name=a\r\nX-Big: " + big +
          "\r\n\r\nv\r\n" + Close(),
      "--XyZzY\r\nX-Big: " + big + big,  // and no line end at all
      "--XyZzY\r\nContent-Disposition: form-data; name=a\r\n" + lines +
          "\r\nv\r\n" + Close(),
  };
  for (const std::string& body : bodies) {
    Result<Form> form = ParseMultipart(body, kB);
    ASSERT_FALSE(form.ok());
    EXPECT_EQ(form.status().message(),
              "multipart: part 1: headers exceed 8192 bytes");
  }
}

TEST(MultipartTest, HeadersJustUnderTheLimitAreAccepted) {
  const std::string prefix = "Content-Disposition: form-data; name=a\r\n";
  const std::string pad_name = "X-Pad: ";
  // Header section (lines with their CRLFs, without the blank line) of
  // exactly the limit.
  const std::string pad(
      kMultipartMaxHeaderBytes - prefix.size() - pad_name.size() - 2, 'p');
  const std::string headers = prefix + pad_name + pad + "\r\n";
  ASSERT_EQ(headers.size(), kMultipartMaxHeaderBytes);
  Result<Form> form =
      ParseMultipart("--XyZzY\r\n" + headers + "\r\nv\r\n" + Close(), kB);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  EXPECT_EQ((*form)[0].value, "v");

  // One byte more is over.
  Result<Form> over = ParseMultipart(
      "--XyZzY\r\n" + prefix + pad_name + pad + "q\r\n\r\nv\r\n" + Close(), kB);
  EXPECT_FALSE(over.ok());
}

TEST(MultipartTest, PartCountLimit) {
  std::string body;
  for (size_t i = 0; i < kMultipartMaxParts; ++i) body += Part("n", "v");
  Result<Form> at_limit = ParseMultipart(body + Close(), kB);
  ASSERT_TRUE(at_limit.ok()) << at_limit.status().ToString();
  EXPECT_EQ(at_limit->size(), kMultipartMaxParts);

  Result<Form> over = ParseMultipart(body + Part("n", "v") + Close(), kB);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().message(), "multipart: more than 1000 parts");
}

TEST(MultipartTest, BoundaryLength) {
  EXPECT_EQ(ParseMultipart("----\r\n", "").status().message(),
            "multipart: empty boundary");
  const std::string b71(71, 'b');
  Result<Form> too_long = ParseMultipart(Close(b71), b71);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.status().code(), StatusCode::kInvalidArgument);

  const std::string b70(70, 'b');
  Result<Form> ok = ParseMultipart(Part("a", "1", b70) + Close(b70), b70);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)[0].value, "1");
}

TEST(MultipartTest, BoundaryWithSpecialCharacters) {
  const std::string b = "a b'()+_,-./:=?";
  Result<Form> form =
      ParseMultipart(Part("x", "1", b) + Part("y", "2", b) + Close(b), b);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  ASSERT_EQ(form->size(), 2u);
  EXPECT_EQ((*form)[1].value, "2");
}

TEST(MultipartTest, ControlCharacterInBoundaryIsAnError) {
  EXPECT_FALSE(ParseMultipart("--a\nb\r\n", "a\nb").ok());
}

TEST(MultipartTest, AdversarialNearMissesAreLinear) {
  // Many line-start near-misses of a maximal boundary; a quadratic scan
  // would not finish.
  const std::string b(70, '-');
  std::string value;
  while (value.size() < (4u << 20)) value += "\r\n--" + b.substr(1) + "x";
  Result<Form> form = ParseMultipart(Part("a", value, b) + Close(b), b);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  // Not EXPECT_EQ: a failure would print a 4 MiB diff.
  EXPECT_TRUE((*form)[0].value == value);

  // And a body that never closes.
  std::string open = "--" + b + "\r\nContent-Disposition: form-data; name=a" +
                     "\r\n\r\n" + std::string(4u << 20, '\n');
  EXPECT_EQ(ParseMultipart(open, b).status().message(),
            "multipart: missing closing boundary");
}

TEST(MultipartTest, DecodeBodyDispatchesMultipart) {
  bool unsupported = true;
  Result<Form> form =
      DecodeBody("Multipart/Form-Data; boundary=\"XyZzY\"",
                 Part("task", "echo hi") + Close(), &unsupported);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  EXPECT_FALSE(unsupported);
  ASSERT_NE(FormGet(*form, "task"), nullptr);
  EXPECT_EQ(*FormGet(*form, "task"), "echo hi");

  Result<Form> no_boundary =
      DecodeBody("multipart/form-data", Part("a", "1") + Close(), &unsupported);
  EXPECT_FALSE(no_boundary.ok());
  EXPECT_FALSE(unsupported);
}

}  // namespace
}  // namespace coyotes
