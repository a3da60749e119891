// The response parser of coyotesctl's HTTP client, fed whole, byte by
// byte and broken, without a network.
#include "ctl/http_response.h"

#include <gtest/gtest.h>

#include <string>

namespace coyotes {
namespace {

// Feeds `text` in pieces of `step` bytes, then the end of the connection.
Status FeedAll(HttpResponseParser* p, const std::string& text, size_t step) {
  for (size_t i = 0; i < text.size(); i += step) {
    Status s = p->Feed(std::string_view(text).substr(i, step));
    if (!s.ok()) return s;
  }
  return p->Finish();
}

TEST(CtlHttpResponse, ContentLengthWholeAndSplit) {
  const std::string text =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
      "Content-Length: 11\r\nX-A: 1\r\nx-a: 2\r\n\r\n{\"a\": true}";
  for (size_t step : {text.size(), size_t{1}, size_t{7}}) {
    HttpResponseParser p;
    ASSERT_TRUE(FeedAll(&p, text, step).ok()) << step;
    EXPECT_TRUE(p.done());
    EXPECT_EQ(p.status(), 200);
    EXPECT_EQ(p.body(), "{\"a\": true}");
    EXPECT_EQ(p.Header("content-type"), "application/json");
    EXPECT_EQ(p.Header("x-a"), "1, 2");
  }
}

TEST(CtlHttpResponse, ChunkedWithExtensionsAndTrailers) {
  const std::string text =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=x\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n"
      "0\r\nX-Trailer: t\r\n\r\n";
  for (size_t step : {text.size(), size_t{1}, size_t{3}}) {
    HttpResponseParser p;
    ASSERT_TRUE(FeedAll(&p, text, step).ok()) << step;
    EXPECT_EQ(p.body(), "hello 0123456789") << step;
  }
}

TEST(CtlHttpResponse, ChunkedToASinkAsItArrives) {
  HttpResponseParser p;
  std::string got;
  int calls = 0;
  p.set_sink([&](std::string_view b) {
    got.append(b);
    ++calls;
  });
  ASSERT_TRUE(p.Feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "4\r\nab")
                  .ok());
  EXPECT_EQ(got, "ab") << "a chunk's bytes are passed on before its end";
  ASSERT_TRUE(p.Feed("cd\r\n0\r\n\r\n").ok());
  EXPECT_EQ(got, "abcd");
  EXPECT_TRUE(p.done());
  EXPECT_TRUE(p.body().empty());
  EXPECT_GE(calls, 2);
}

TEST(CtlHttpResponse, BodyToTheEndOfTheConnection) {
  HttpResponseParser p;
  ASSERT_TRUE(p.Feed("HTTP/1.0 200 OK\r\n\r\nsome").ok());
  ASSERT_TRUE(p.Feed(" text").ok());
  EXPECT_FALSE(p.done());
  ASSERT_TRUE(p.Finish().ok());
  EXPECT_EQ(p.body(), "some text");
}

TEST(CtlHttpResponse, SkipsInterimAnswersAndHandlesNoBody) {
  HttpResponseParser p;
  ASSERT_TRUE(FeedAll(&p,
                      "HTTP/1.1 100 Continue\r\n\r\n"
                      "HTTP/1.1 204 No Content\r\n\r\n",
                      4)
                  .ok());
  EXPECT_EQ(p.status(), 204);
  EXPECT_TRUE(p.body().empty());
}

TEST(CtlHttpResponse, RefusesBrokenInput) {
  const char* broken[] = {
      "SSH-2.0-OpenSSH_9.2\r\n\r\n",
      "HTTP/1.1 2x0 OK\r\n\r\n",
      "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "FFFFFFFFFFFFFFFFFFFF\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd\r\n",
  };
  for (const char* text : broken) {
    HttpResponseParser p;
    EXPECT_FALSE(FeedAll(&p, text, 5).ok()) << text;
    EXPECT_FALSE(p.Feed("more").ok()) << "stays failed: " << text;
  }
}

TEST(CtlHttpResponse, RefusesTruncatedAnswers) {
  const char* cut[] = {
      "",
      "HTTP/1.1 200 OK\r\nContent-Len",
      "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
  };
  for (const char* text : cut) {
    HttpResponseParser p;
    EXPECT_FALSE(FeedAll(&p, text, 3).ok()) << text;
  }
}

TEST(CtlHttpResponse, RefusesAnEndlessHead) {
  HttpResponseParser p;
  std::string head = "HTTP/1.1 200 OK\r\nX: " +
                     std::string(HttpResponseParser::kMaxHeadBytes, 'a');
  EXPECT_FALSE(p.Feed(head).ok());
}

}  // namespace
}  // namespace coyotes
