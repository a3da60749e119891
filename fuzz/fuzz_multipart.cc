// libFuzzer target for ParseMultipart. Input: one byte choosing the boundary
// length (mod 72, so empty and over-long boundaries are reached too), the
// boundary, then the body. Beyond "no crash", it checks that a parsed form
// survives being written out canonically and parsed again.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/multipart.h"

namespace {

using coyotes::Form;
using coyotes::ParseMultipart;
using coyotes::Result;

// Fields whose text would be ambiguous when written back are skipped.
bool Writable(const Form& form, const std::string& dash_boundary) {
  for (const auto& field : form) {
    if (field.name.find_first_of("\r\n") != std::string::npos) return false;
    // A name near the header size limit may not fit in our own header.
    if (field.name.size() > coyotes::kMultipartMaxHeaderBytes / 2) return false;
    if (field.value.find(dash_boundary) != std::string::npos) return false;
  }
  return true;
}

std::string Write(const Form& form, const std::string& dash_boundary) {
  std::string body;
  for (const auto& field : form) {
    body += dash_boundary + "\r\nContent-Disposition: form-data; name=\"";
    for (char c : field.name) {
      if (c == '"' || c == '\\') body += '\\';
      body += c;
    }
    body += "\"\r\n\r\n" + field.value + "\r\n";
  }
  return body + dash_boundary + "--\r\n";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t boundary_len = static_cast<uint8_t>(in[0]) % 72;
  in.remove_prefix(1);
  if (boundary_len > in.size()) return 0;
  const std::string_view boundary = in.substr(0, boundary_len);
  const std::string_view body = in.substr(boundary_len);

  Result<Form> form = ParseMultipart(body, boundary);
  if (!form.ok()) return 0;
  if (form->size() > coyotes::kMultipartMaxParts) __builtin_trap();
  size_t total = 0;
  for (const auto& field : *form)
    total += field.name.size() + field.value.size();
  if (total > body.size()) __builtin_trap();

  const std::string dash_boundary = "--" + std::string(boundary);
  if (!Writable(*form, dash_boundary)) return 0;
  Result<Form> again = ParseMultipart(Write(*form, dash_boundary), boundary);
  if (!again.ok() || again->size() != form->size()) __builtin_trap();
  for (size_t i = 0; i < form->size(); ++i) {
    if ((*again)[i].name != (*form)[i].name) __builtin_trap();
    if ((*again)[i].value != (*form)[i].value) __builtin_trap();
  }
  return 0;
}
