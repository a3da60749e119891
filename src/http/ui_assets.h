// The dashboard's files (src/http/ui/), built into the binary by
// src/http/ui/embed.sh: GET /ui/ serves them from memory, so the page works
// without any file beside the daemon and without a network. The generated
// embedded_ui.cc defines UiAssets(); the texts are the files' exact bytes.
#ifndef COYOTES_HTTP_UI_ASSETS_H_
#define COYOTES_HTTP_UI_ASSETS_H_

#include <span>
#include <string_view>

namespace coyotes {

struct UiAsset {
  std::string_view name;          // the file name: "index.html", "app.js"
  std::string_view content_type;  // by its extension
  std::string_view content;
};

// Every embedded file, in the order UI_FILES (Makefile.am) lists them.
std::span<const UiAsset> UiAssets();

// The file called `name`, or null.
inline const UiAsset* FindUiAsset(std::string_view name) {
  for (const UiAsset& a : UiAssets())
    if (a.name == name) return &a;
  return nullptr;
}

}  // namespace coyotes

#endif  // COYOTES_HTTP_UI_ASSETS_H_
