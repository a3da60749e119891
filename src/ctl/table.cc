#include "ctl/table.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace coyotes {

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one.
size_t Utf8Length(std::string_view s, size_t i) {
  const unsigned char c = s[i];
  size_t n = c < 0x80         ? 1
             : (c >> 5) == 6  ? 2
             : (c >> 4) == 14 ? 3
             : (c >> 3) == 30 ? 4
                              : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  // Overlong two-byte forms (C0, C1) are not valid either.
  if (n == 2 && c < 0xC2) return 0;
  return n;
}

void AppendHex(std::string* out, const char* prefix, unsigned v, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%s%0*x", prefix, digits, v);
  *out += buf;
}

}  // namespace

std::string EscapeControl(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = text[i];
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      AppendHex(&out, "\\x", c, 2);
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      size_t n = Utf8Length(text, i);
      if (n == 0) {
        AppendHex(&out, "\\x", c, 2);
        ++i;
        continue;
      }
      const unsigned char c1 = text[i + 1];
      if (n == 2 && c == 0xC2 && c1 >= 0x80 && c1 <= 0x9F)
        AppendHex(&out, "\\u", c1, 4);  // a C1 control, such as CSI
      else
        out.append(text.substr(i, n));
      i += n;
      continue;
    }
    ++i;
  }
  return out;
}

size_t DisplayWidth(std::string_view text) {
  size_t w = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++w;
  return w;
}

std::string Truncate(std::string_view text, size_t width) {
  if (DisplayWidth(text) <= width) return std::string(text);
  if (width <= 3) return std::string(width, '.');
  std::string out;
  size_t w = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = text[i];
    if ((c & 0xC0) != 0x80) {
      if (w == width - 3) break;
      ++w;
    }
    out += static_cast<char>(c);
  }
  return out + "...";
}

bool ColorWanted(int fd) {
  if (std::getenv("NO_COLOR") != nullptr) return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::strcmp(term, "dumb") == 0) return false;
  return isatty(fd) == 1;
}

Style StateStyle(std::string_view state) {
  if (state == "succeeded" || state == "delivered") return Style::kGreen;
  if (state == "failed") return Style::kRed;
  if (state == "running") return Style::kBlue;
  if (state == "queued" || state == "delayed" || state == "pending")
    return Style::kYellow;
  if (state == "cancelled") return Style::kDim;
  return Style::kPlain;
}

std::string Paint(std::string_view text, Style style, bool color) {
  if (!color || style == Style::kPlain || text.empty())
    return std::string(text);
  const char* code = "";
  switch (style) {
    case Style::kPlain:
      break;
    case Style::kBold:
      code = "1";
      break;
    case Style::kDim:
      code = "2";
      break;
    case Style::kGreen:
      code = "32";
      break;
    case Style::kRed:
      code = "31";
      break;
    case Style::kYellow:
      code = "33";
      break;
    case Style::kBlue:
      code = "34";
      break;
  }
  return std::string("\x1b[") + code + "m" + std::string(text) + "\x1b[0m";
}

std::string RenderFields(
    const std::vector<std::pair<std::string, Cell>>& fields, bool color) {
  size_t width = 0;
  for (const auto& [key, value] : fields) width = std::max(width, key.size());
  std::string out;
  for (const auto& [key, value] : fields) {
    out += Paint(key + ":", Style::kBold, color);
    out.append(width - key.size() + 2, ' ');
    out += Paint(EscapeControl(value.text), value.style, color) + "\n";
  }
  return out;
}

Table::Table(std::vector<std::string> headers)
    : headers_(std::move(headers)), max_width_(headers_.size(), 0) {}

void Table::AddRow(std::vector<Cell> cells) {
  cells.resize(headers_.size(), Cell(""));
  for (size_t i = 0; i < cells.size(); ++i) {
    cells[i].text = EscapeControl(cells[i].text);
    if (max_width_[i] != 0)
      cells[i].text = Truncate(cells[i].text, max_width_[i]);
  }
  rows_.push_back(std::move(cells));
}

void Table::SetMaxWidth(size_t col, size_t width) {
  if (col < max_width_.size()) max_width_[col] = width;
}

std::string Table::Render(bool color) const {
  std::vector<size_t> width(headers_.size(), 0);
  for (size_t i = 0; i < headers_.size(); ++i)
    width[i] = DisplayWidth(headers_[i]);
  for (const auto& row : rows_)
    for (size_t i = 0; i < row.size(); ++i)
      width[i] = std::max(width[i], DisplayWidth(row[i].text));
  std::string out;
  auto line = [&](const std::vector<Cell>& cells) {
    std::string l;
    for (size_t i = 0; i < cells.size(); ++i) {
      l += Paint(cells[i].text, cells[i].style, color);
      if (i + 1 < cells.size()) {
        l.append(width[i] - DisplayWidth(cells[i].text) + 2, ' ');
      }
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  std::vector<Cell> head;
  for (const auto& h : headers_) head.emplace_back(h, Style::kBold);
  line(head);
  for (const auto& row : rows_) line(row);
  return out;
}

}  // namespace coyotes
