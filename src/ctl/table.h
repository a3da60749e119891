// Aligned tables for people, with colour only where a person looks.
//
// Every cell passes through EscapeControl: commands, task names, reasons
// and dead letters come from whoever queued the task, and a control
// character printed raw could move the cursor, retitle the window or hide
// lines of the table (terminal escape injection). Only `logs` and
// `wait` print a task's output raw, since that is what they are asked for.
#ifndef COYOTES_CTL_TABLE_H_
#define COYOTES_CTL_TABLE_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coyotes {

enum class Style { kPlain, kBold, kDim, kGreen, kRed, kYellow, kBlue };

struct Cell {
  Cell(std::string t, Style s = Style::kPlain) : text(std::move(t)), style(s) {}
  Cell(const char* t, Style s = Style::kPlain) : text(t), style(s) {}
  std::string text;
  Style style;
};

// C0 controls, DEL and the C1 controls (UTF-8 U+0080..U+009F, among them
// CSI) become visible escapes: "\n", "\t", "\x1b", "\u009b"; a backslash
// stays as it is. Invalid UTF-8 bytes become "\xNN" too.
std::string EscapeControl(std::string_view text);

// Columns a string takes on a terminal: one per code point (the tables
// hold ASCII and escaped text; wide characters are not measured).
size_t DisplayWidth(std::string_view text);

// Cuts `text` to at most `width` columns, ending in "..." when cut.
std::string Truncate(std::string_view text, size_t width);

// Whether output to `fd` gets colour: a terminal, NO_COLOR unset (any
// value, even empty, turns colour off: no-color.org) and TERM not "dumb".
bool ColorWanted(int fd);

// The style of a task state: succeeded green, failed red, and so on.
Style StateStyle(std::string_view state);

// The text with the ANSI codes of `style` around it when `color`.
std::string Paint(std::string_view text, Style style, bool color);

// "key:  value" lines with the values aligned, for one object (show,
// status); values are escaped as table cells are.
std::string RenderFields(
    const std::vector<std::pair<std::string, Cell>>& fields, bool color);

class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  // Cells are escaped here; a short row is padded with empty cells.
  void AddRow(std::vector<Cell> cells);
  // Column `col` is cut to `width` columns (long commands, reasons).
  void SetMaxWidth(size_t col, size_t width);
  bool empty() const { return rows_.empty(); }
  // Columns separated by two spaces, the last one not padded; the header
  // bold when `color`.
  std::string Render(bool color) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<Cell>> rows_;
  std::vector<size_t> max_width_;
};

}  // namespace coyotes

#endif  // COYOTES_CTL_TABLE_H_
