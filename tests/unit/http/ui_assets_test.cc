// Unit tests for src/http/ui_assets.h: the dashboard built into the binary
// is exactly the files of src/http/ui/ (all of them, byte for byte, with
// the Content-Type their kind needs), so the embedded page can never go
// stale behind an edited file. Also the page's own rules: no inline script
// or style (the Content-Security-Policy forbids them) and no innerHTML.
#include "http/ui_assets.h"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

namespace coyotes {
namespace {

namespace fs = std::filesystem;

const fs::path kUiDir = fs::path(COYOTES_SRCDIR) / "src/http/ui";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The page's files: everything in the folder but the generator.
std::map<std::string, std::string> UiFiles() {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(kUiDir)) {
    std::string name = entry.path().filename().string();
    if (name == "embed.sh") continue;
    files[name] = ReadFile(entry.path());
  }
  return files;
}

TEST(UiAssetsTest, EmbeddedFilesAreTheUiFiles) {
  const auto files = UiFiles();
  ASSERT_FALSE(files.empty()) << "no file in " << kUiDir;
  std::set<std::string> embedded;
  for (const UiAsset& a : UiAssets()) {
    std::string name(a.name);
    EXPECT_TRUE(embedded.insert(name).second) << name << " embedded twice";
    auto file = files.find(name);
    if (file == files.end()) {
      ADD_FAILURE() << name << " is embedded but " << kUiDir << " has none";
      continue;
    }
    EXPECT_EQ(a.content, file->second) << name << " differs from the file";
  }
  for (const auto& [name, text] : files)
    EXPECT_TRUE(embedded.contains(name))
        << name << " is not embedded: list it in UI_FILES (Makefile.am)";
}

TEST(UiAssetsTest, EachKindHasItsContentType) {
  const std::map<std::string, std::string> kTypes = {
      {"index.html", "text/html; charset=utf-8"},
      {"app.js", "text/javascript; charset=utf-8"},
      {"style.css", "text/css; charset=utf-8"},
      {"favicon.svg", "image/svg+xml"},
  };
  for (const auto& [name, type] : kTypes) {
    const UiAsset* a = FindUiAsset(name);
    ASSERT_NE(a, nullptr) << name;
    EXPECT_EQ(a->content_type, type) << name;
  }
  EXPECT_EQ(FindUiAsset("nope.js"), nullptr);
  EXPECT_EQ(FindUiAsset(""), nullptr);
}

// The Content-Security-Policy (default-src 'self') would block an inline
// script or style, and data from the API must never become markup.
TEST(UiAssetsTest, NoInlineScriptOrStyleAndNoInnerHtml) {
  const std::string html(FindUiAsset("index.html")->content);
  EXPECT_EQ(html.find("<style"), std::string::npos);
  EXPECT_EQ(html.find("style=\""), std::string::npos);
  // An inline handler: " on" and letters, then "=".
  for (size_t at = html.find(" on"); at != std::string::npos;
       at = html.find(" on", at + 1)) {
    size_t end = at + 3;
    while (end < html.size() && std::islower(html[end])) end++;
    EXPECT_FALSE(end > at + 3 && end < html.size() && html[end] == '=')
        << "an inline event handler: " << html.substr(at, end - at + 1);
  }
  size_t pos = 0;
  while ((pos = html.find("<script", pos)) != std::string::npos) {
    size_t end = html.find('>', pos);
    ASSERT_NE(end, std::string::npos);
    EXPECT_NE(html.substr(pos, end - pos).find(" src="), std::string::npos)
        << "an inline script";
    EXPECT_EQ(html.substr(end + 1, 9), "</script>") << "a script with a body";
    pos = end;
  }
  const std::string js(FindUiAsset("app.js")->content);
  EXPECT_EQ(js.find(".innerHTML"), std::string::npos);
  EXPECT_EQ(js.find("outerHTML"), std::string::npos);
  EXPECT_EQ(js.find("insertAdjacentHTML"), std::string::npos);
  EXPECT_EQ(js.find("document.write"), std::string::npos);
  EXPECT_EQ(js.find("eval("), std::string::npos);
}

}  // namespace
}  // namespace coyotes
