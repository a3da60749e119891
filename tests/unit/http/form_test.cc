// Unit tests for src/http/form.h: form look-ups, urlencoded decoding, media
// type parsing, and DecodeBody for JSON, urlencoded and unsupported bodies.
#include "http/form.h"
#include "http/body.h"

#include <gtest/gtest.h>

#include <string>

namespace coyotes {
namespace {

using namespace std::string_literals;

Form MustDecode(std::string_view content_type, std::string_view body) {
  bool unsupported = true;
  Result<Form> form = DecodeBody(content_type, body, &unsupported);
  EXPECT_TRUE(form.ok()) << form.status().ToString();
  EXPECT_FALSE(unsupported);
  return form.ok() ? *form : Form();
}

Form MustJson(std::string_view body) {
  return MustDecode("application/json", body);
}

void ExpectFields(
    const Form& form,
    const std::vector<std::pair<std::string, std::string>>& want) {
  ASSERT_EQ(form.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(form[i].name, want[i].first) << "field " << i;
    EXPECT_EQ(form[i].value, want[i].second) << "field " << i;
  }
}

TEST(FormTest, GetAndGetAll) {
  const Form form = {{"a", "1"}, {"b", "2"}, {"a", "3"}, {"A", "4"}};
  ASSERT_NE(FormGet(form, "a"), nullptr);
  EXPECT_EQ(*FormGet(form, "a"), "1");
  EXPECT_EQ(*FormGet(form, "A"), "4");
  EXPECT_EQ(FormGet(form, "c"), nullptr);
  EXPECT_EQ(FormGetAll(form, "a"), (std::vector<std::string>{"1", "3"}));
  EXPECT_TRUE(FormGetAll(form, "c").empty());
}

TEST(UrlEncodedTest, PlusAndPercentEscapes) {
  Result<Form> form = ParseUrlEncoded(
      "task=ping+-c+40+example.org&note=100%25+sure%21&x=%e2%82%AC");
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  ExpectFields(*form, {{"task", "ping -c 40 example.org"},
                       {"note", "100% sure!"},
                       {"x", "\xe2\x82\xac"}});
}

TEST(UrlEncodedTest, EscapedNamesAndSeparators) {
  Result<Form> form = ParseUrlEncoded("a%26b=c%3Dd&e+f=g=h&%00=%00");
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  ExpectFields(*form, {{"a&b", "c=d"}, {"e f", "g=h"}, {"\0"s, "\0"s}});
}

TEST(UrlEncodedTest, EmptyKeysKeysWithoutEqualsAndEmptyPieces) {
  Result<Form> form = ParseUrlEncoded("&=v&flag&&k=&last");
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  ExpectFields(*form, {{"", "v"}, {"flag", ""}, {"k", ""}, {"last", ""}});

  Result<Form> empty = ParseUrlEncoded("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  Result<Form> only_amps = ParseUrlEncoded("&&&");
  ASSERT_TRUE(only_amps.ok());
  EXPECT_TRUE(only_amps->empty());
}

TEST(UrlEncodedTest, RepeatedFieldsKeepOrder) {
  Result<Form> form = ParseUrlEncoded("args=1&task=t&args=2&args=3");
  ASSERT_TRUE(form.ok());
  EXPECT_EQ(FormGetAll(*form, "args"),
            (std::vector<std::string>{"1", "2", "3"}));
}

TEST(UrlEncodedTest, BadPercentEscapes) {
  for (std::string body : {"a=%", "a=%4", "a=%zz", "a=%4g", "%=1", "a=1&b=x%",
                           "a=%%41", "a=% 41"}) {
    Result<Form> form = ParseUrlEncoded(body);
    ASSERT_FALSE(form.ok()) << body;
    EXPECT_EQ(form.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(form.status().message().find("malformed percent escape"),
              std::string::npos)
        << form.status().message();
  }
  EXPECT_EQ(ParseUrlEncoded("ok=1&bad=a%zz").status().message(),
            "urlencoded: malformed percent escape \"%zz\" at offset 10");
}

TEST(UrlEncodedTest, DecodeBodyDispatch) {
  Form form = MustDecode("application/x-www-form-urlencoded; charset=UTF-8",
                         "task=echo+hi&args=1");
  ExpectFields(form, {{"task", "echo hi"}, {"args", "1"}});

  bool unsupported = true;
  Result<Form> bad =
      DecodeBody("application/x-www-form-urlencoded", "a=%", &unsupported);
  EXPECT_FALSE(bad.ok());
  EXPECT_FALSE(unsupported);
}

TEST(MediaTypeTest, LowercasesTypeAndParameterNames) {
  Result<MediaType> mt = ParseMediaType("Text/HTML; Charset=UTF-8");
  ASSERT_TRUE(mt.ok()) << mt.status().ToString();
  EXPECT_EQ(mt->type, "text/html");
  ASSERT_EQ(mt->params.size(), 1u);
  EXPECT_EQ(mt->params[0].first, "charset");
  EXPECT_EQ(mt->params[0].second, "UTF-8");  // values keep their case
  ASSERT_NE(mt->Param("CHARSET"), nullptr);
  EXPECT_EQ(*mt->Param("CHARSET"), "UTF-8");
  EXPECT_EQ(mt->Param("boundary"), nullptr);
}

TEST(MediaTypeTest, QuotedValuesWithEscapes) {
  Result<MediaType> mt = ParseMediaType(
      "multipart/form-data; boundary=\"a\\\"b;c=d\\\\\"; other=\"\"");
  ASSERT_TRUE(mt.ok()) << mt.status().ToString();
  ASSERT_EQ(mt->params.size(), 2u);
  EXPECT_EQ(*mt->Param("boundary"), "a\"b;c=d\\");
  EXPECT_EQ(*mt->Param("other"), "");
}

TEST(MediaTypeTest, WhitespaceTolerant) {
  Result<MediaType> mt = ParseMediaType(
      "  multipart/form-data \t;  boundary = xyz  ;; a=\"1 2\" ;");
  ASSERT_TRUE(mt.ok()) << mt.status().ToString();
  EXPECT_EQ(mt->type, "multipart/form-data");
  ASSERT_EQ(mt->params.size(), 2u);
  EXPECT_EQ(*mt->Param("boundary"), "xyz");
  EXPECT_EQ(*mt->Param("a"), "1 2");
}

TEST(MediaTypeTest, FirstOfRepeatedParameterWins) {
  Result<MediaType> mt = ParseMediaType("a/b; x=1; X=2");
  ASSERT_TRUE(mt.ok());
  EXPECT_EQ(*mt->Param("x"), "1");
  EXPECT_EQ(mt->params.size(), 2u);
}

TEST(MediaTypeTest, Malformed) {
  for (std::string header :
       {"", "   ", "text", "text/", "/html", "te xt/html", "text/html/x",
        "; charset=x", "text/html; charset", "text/html; =x",
        "text/html; a=\"unterminated", "text/html; a=\"x\\", "text/html; a=b c",
        "text/html; a=b\"c", "text/html; a=\"b\"c"}) {
    Result<MediaType> mt = ParseMediaType(header);
    EXPECT_FALSE(mt.ok()) << header;
    EXPECT_EQ(mt.status().code(), StatusCode::kInvalidArgument) << header;
  }
}

TEST(MediaTypeTest, HeaderParamsForContentDisposition) {
  Result<MediaType> cd =
      ParseHeaderParams("Form-Data; name=\"file\"; filename=\"a b.txt\"");
  ASSERT_TRUE(cd.ok()) << cd.status().ToString();
  EXPECT_EQ(cd->type, "form-data");
  EXPECT_EQ(*cd->Param("name"), "file");
  EXPECT_EQ(*cd->Param("filename"), "a b.txt");
  EXPECT_FALSE(ParseMediaType("form-data; name=x").ok());
}

TEST(JsonBodyTest, ScalarsArraysAndNull) {
  Form form = MustJson(
      R"({"task":"ping","args":["-c",40,1.5,true,null],"n":3,"r":1.5,)"
      R"("neg":-2,"t":true,"f":false,"nothing":null,"e":1e3,"empty":[]})");
  ExpectFields(form, {{"task", "ping"},
                      {"args", "-c"},
                      {"args", "40"},
                      {"args", "1.5"},
                      {"args", "true"},
                      {"n", "3"},
                      {"r", "1.5"},
                      {"neg", "-2"},
                      {"t", "true"},
                      {"f", "false"},
                      {"e", "1000"}});
}

TEST(JsonBodyTest, NumbersKeepTheirText) {
  Form form = MustJson(
      R"({"big":9007199254740993,"tenth":0.1,"huge":1e300,"tiny":-2.5e-8})");
  ExpectFields(form, {{"big", "9007199254740993"},
                      {"tenth", "0.1"},
                      {"huge", "1e+300"},
                      {"tiny", "-2.5e-08"}});
}

TEST(JsonBodyTest, NestedValuesAreCompactJson) {
  Form form = MustJson(R"({ "env" : { "A" : "1", "B" : [1, {"c": null}] },)"
                       R"( "list": [[1, 2], {"k": "v"}], "s": "x" })");
  ExpectFields(form, {{"env", R"({"A":"1","B":[1,{"c":null}]})"},
                      {"list", "[1,2]"},
                      {"list", R"({"k":"v"})"},
                      {"s", "x"}});
}

TEST(JsonBodyTest, StringsAreDecoded) {
  Form form = MustJson(R"({"u":"caf\u00e9 \"q\"\n","nul":"a\u0000b","":"e"})");
  ExpectFields(form,
               {{"u", "caf\xc3\xa9 \"q\"\n"}, {"nul", "a\0b"s}, {"", "e"}});
}

TEST(JsonBodyTest, EmptyObject) { EXPECT_TRUE(MustJson(" {} ").empty()); }

TEST(JsonBodyTest, InvalidJson) {
  for (std::string body : {"", "{", "{\"a\":}", "{\"a\":1,}", "{} x",
                           "{\"a\":\"\xff\"}", "{'a':1}", "{\"a\":1e999}"}) {
    bool unsupported = true;
    Result<Form> form = DecodeBody("application/json", body, &unsupported);
    ASSERT_FALSE(form.ok()) << body;
    EXPECT_FALSE(unsupported);
    EXPECT_EQ(form.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(form.status().message().rfind("json: ", 0), 0u)
        << form.status().message();
  }
}

TEST(JsonBodyTest, NonObjectIsRejected) {
  for (std::string body : {"[]", "[{\"a\":1}]", "\"s\"", "1", "null", "true"}) {
    Result<Form> form = DecodeBody("application/json", body, nullptr);
    ASSERT_FALSE(form.ok()) << body;
    EXPECT_EQ(form.status().message(), "json: body must be an object");
  }
}

TEST(JsonBodyTest, ContentTypeParametersAndCase) {
  Form form = MustDecode("Application/JSON; charset=utf-8", R"({"a":"b"})");
  ExpectFields(form, {{"a", "b"}});
}

TEST(DecodeBodyTest, UnsupportedContentTypes) {
  for (std::string type : {"", "  ", "text/plain", "application/xml",
                           "multipart/mixed; boundary=x"}) {
    bool unsupported = false;
    Result<Form> form = DecodeBody(type, "a=1", &unsupported);
    ASSERT_FALSE(form.ok()) << type;
    EXPECT_TRUE(unsupported) << type;
    EXPECT_EQ(form.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(form.status().message().rfind("unsupported content type: ", 0),
              0u)
        << form.status().message();
  }
}

TEST(DecodeBodyTest, MalformedContentTypeIsNotUnsupported) {
  bool unsupported = true;
  Result<Form> form =
      DecodeBody("multipart/form-data; boundary=\"x", "", &unsupported);
  ASSERT_FALSE(form.ok());
  EXPECT_FALSE(unsupported);
  EXPECT_EQ(form.status().message().rfind("content type: ", 0), 0u)
      << form.status().message();
}

TEST(DecodeBodyTest, NullUnsupportedPointerIsAllowed) {
  EXPECT_FALSE(DecodeBody("text/plain", "", nullptr).ok());
  EXPECT_TRUE(DecodeBody("application/json", "{}", nullptr).ok());
}

}  // namespace
}  // namespace coyotes
