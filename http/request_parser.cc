#include "http/request_parser.h"

#include <array>

#include "http/limits.h"

namespace ringside {
namespace {

// Compares with a lower-case ASCII word, folding only the letters' case. Inline rather than
// strncasecmp: it runs for every header of every request.
bool equals_lower(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
    if (c != lower[i]) return false;
  }
  return true;
}

// Host = uri-host [ ":" port ] (RFC 9110 §7.2, RFC 3986 §3.2.2): letters, digits, the
// unreserved and sub-delims marks, '%' of pct-encoding, and ':' '[' ']' of ports and IPv6
// literals. Anything else (a space, a '/', a '@') makes the field value invalid. A table,
// since this runs on every request.
constexpr std::array<bool, 256> kHostByte = [] {
  std::array<bool, 256> table{};
  for (int c = 'a'; c <= 'z'; ++c) table[c] = table[c - 'a' + 'A'] = true;
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (char c : std::string_view("-._~!$&'()*+,;=%:[]")) {
    table[static_cast<unsigned char>(c)] = true;
  }
  return table;
}();

bool valid_host(std::string_view v) {
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  // No early exit: one predictable loop costs less than a branch per byte.
  bool valid = true;
  for (char ch : v) valid &= kHostByte[static_cast<unsigned char>(ch)];
  return valid;
}

}  // namespace

RequestParser::RequestParser() {
  static llhttp_settings_t callbacks = [] {
    llhttp_settings_t st;
    llhttp_settings_init(&st);
    st.on_message_begin = &RequestParser::on_message_begin;
    st.on_method = &RequestParser::on_method;
    st.on_url = &RequestParser::on_url;
    st.on_header_field = &RequestParser::on_header_field;
    st.on_header_field_complete = &RequestParser::on_header_field_complete;
    st.on_header_value = &RequestParser::on_header_value;
    st.on_header_value_complete = &RequestParser::on_header_value_complete;
    st.on_headers_complete = &RequestParser::on_headers_complete;
    st.on_body = &RequestParser::on_body;
    st.on_message_complete = &RequestParser::on_message_complete;
    return st;
  }();
  llhttp_init(&parser_, HTTP_REQUEST, &callbacks);
  parser_.data = this;
}

void RequestParser::reset_message() {
  base_ = nullptr;
  url_ = field_ = value_ = authorization_ = if_none_match_ = body_span_ = {};
  body_copy_.clear();
  body_copied_ = false;
  field_end_ = 0;
  current_header_ = Header::kOther;
  headers_complete_ = false;
  expect_continue_ = false;
  host_headers_ = 0;
  body_limit_ = kMaxBodyBytes;
}

void RequestParser::release_idle_memory() {
  if (!in_message_ && body_copy_.capacity() > kRetainedBufferBytes) body_copy_.release();
}

void RequestParser::fail(uint16_t status, std::string_view code, std::string_view message) {
  error_status_ = status;
  error_code_ = code;
  error_message_ = message;
}

RequestParser::Status RequestParser::execute(const char* data, size_t len, size_t* consumed) {
  if (llhttp_get_errno(&parser_) == HPE_PAUSED) llhttp_resume(&parser_);
  llhttp_errno_t err = llhttp_execute(&parser_, data, len);
  switch (err) {
    case HPE_OK:
      *consumed = len;
      return Status::kNeedMore;
    case HPE_PAUSED:
    case HPE_PAUSED_UPGRADE:
      *consumed = static_cast<size_t>(llhttp_get_error_pos(&parser_) - data);
      // Upgrades are not offered: answer the request, then close.
      if (err == HPE_PAUSED_UPGRADE) request_.keep_alive = false;
      return Status::kComplete;
    default:
      *consumed = len;
      if (error_status_ == 0) {
        fail(400, "invalid_request", "Malformed HTTP request.");
        error_message_ = llhttp_get_error_reason(&parser_);
        if (error_message_.empty()) error_message_ = "Malformed HTTP request.";
      }
      return Status::kError;
  }
}

void RequestParser::extend(Span& s, const char* at, size_t len) {
  if (s.len == 0) s.off = static_cast<uint32_t>(at - base_);
  s.len += static_cast<uint32_t>(len);
}

int RequestParser::check_header_size(const char* at, size_t len) {
  if (static_cast<size_t>(at + len - base_) <= kMaxHeaderBytes) return 0;
  fail(431, "headers_too_large", "The request line and headers exceed 8 KiB.");
  return HPE_USER;
}

int RequestParser::on_message_begin(llhttp_t* p) {
  RequestParser& self = of(p);
  self.reset_message();
  self.in_message_ = true;
  return 0;
}

int RequestParser::on_method(llhttp_t* p, const char* at, size_t len) {
  RequestParser& self = of(p);
  if (!self.base_) self.base_ = at;
  return self.check_header_size(at, len);
}

int RequestParser::on_url(llhttp_t* p, const char* at, size_t len) {
  RequestParser& self = of(p);
  self.extend(self.url_, at, len);
  if (self.url_.len > kMaxUriBytes) {
    self.fail(414, "uri_too_long", "The request target exceeds 4 KiB.");
    return HPE_USER;
  }
  return self.check_header_size(at, len);
}

int RequestParser::on_header_field(llhttp_t* p, const char* at, size_t len) {
  RequestParser& self = of(p);
  self.extend(self.field_, at, len);
  return self.check_header_size(at, len);
}

int RequestParser::on_header_field_complete(llhttp_t* p) {
  RequestParser& self = of(p);
  std::string_view name = self.view(self.field_);
  if (equals_lower(name, "authorization")) {
    self.current_header_ = Header::kAuthorization;
  } else if (equals_lower(name, "expect")) {
    self.current_header_ = Header::kExpect;
  } else if (equals_lower(name, "if-none-match")) {
    self.current_header_ = Header::kIfNoneMatch;
  } else if (equals_lower(name, "host")) {
    self.current_header_ = Header::kHost;
    if (++self.host_headers_ > 1) {
      // RFC 9112 §3.2: more than one Host is a 400 whatever the version.
      self.fail(400, "invalid_request", "The request has more than one Host header.");
      return HPE_USER;
    }
  } else {
    self.current_header_ = Header::kOther;
  }
  self.field_end_ = self.field_.off + self.field_.len;
  self.field_ = {};
  self.value_ = {};
  return 0;
}

// Between a header's name and the first byte of its value only ":" and blanks may stand.
// A line break there, or a value that does not continue where its last piece ended, is an
// obs-fold (a value continued on the next line), which llhttp joins silently.
bool RequestParser::starts_on_field_line(const char* at) const {
  // A plain loop: the gap is ": " in practice, too short to be worth a call to memchr.
  for (const char* c = base_ + field_end_; c < at; ++c) {
    if (*c == '\n') return false;
  }
  return true;
}

int RequestParser::on_header_value(llhttp_t* p, const char* at, size_t len) {
  if (len == 0) return 0;  // an empty value is reported at the start of the next line
  RequestParser& self = of(p);
  const Span& v = self.value_;
  if (v.len ? at != self.base_ + v.off + v.len : !self.starts_on_field_line(at)) {
    // RFC 9112 §5.2: a server may reject obs-fold with 400; joining it is how
    // "Transfer-Encoding:\r\n chunked" would reach us as chunked when a proxy saw no body.
    self.fail(400, "invalid_request", "A header value is folded over several lines.");
    return HPE_USER;
  }
  self.extend(self.value_, at, len);
  return self.check_header_size(at, len);
}

int RequestParser::on_header_value_complete(llhttp_t* p) {
  RequestParser& self = of(p);
  if (self.current_header_ == Header::kAuthorization) {
    self.authorization_ = self.value_;
  } else if (self.current_header_ == Header::kExpect) {
    self.expect_continue_ = equals_lower(self.view(self.value_), "100-continue");
  } else if (self.current_header_ == Header::kIfNoneMatch && self.if_none_match_.len == 0) {
    self.if_none_match_ = self.value_;
  } else if (self.current_header_ == Header::kHost && !valid_host(self.view(self.value_))) {
    self.fail(400, "invalid_request", "The Host header is not a valid host[:port].");
    return HPE_USER;
  }
  self.value_ = {};
  return 0;
}

int RequestParser::on_headers_complete(llhttp_t* p) {
  RequestParser& self = of(p);
  self.headers_complete_ = true;
  if (p->http_major != 1) {
    // llhttp takes an HTTP/0.9 request line ("GET /", no headers: what follows is parsed as
    // the next request) and "HTTP/2.0" with HTTP/1 framing; RFC 9110 §15.6.6.
    self.fail(505, "http_version_not_supported", "Only HTTP/1.0 and HTTP/1.1 are served.");
    return HPE_USER;
  }
  if (p->http_minor == 1) {
    if (self.host_headers_ == 0) {
      // RFC 9112 §3.2.
      self.fail(400, "invalid_request", "An HTTP/1.1 request needs a Host header.");
      return HPE_USER;
    }
  } else {
    // RFC 9110 §10.1.1: an HTTP/1.0 client cannot know interim answers; it would take
    // "100 Continue" for the final one.
    self.expect_continue_ = false;
  }
  if (self.body_limit_fn_) {
    self.body_limit_ = self.body_limit_fn_(
        self.body_limit_ctx_, self.view(self.url_),
        self.authorization_.len ? self.view(self.authorization_) : std::string_view());
  }
  if ((p->flags & F_CONTENT_LENGTH) && p->content_length > self.body_limit_) {
    self.fail(413, "payload_too_large", "The request body exceeds 64 KiB.");
    return HPE_USER;
  }
  return 0;
}

int RequestParser::on_body(llhttp_t* p, const char* at, size_t len) {
  RequestParser& self = of(p);
  Span& s = self.body_span_;
  if (!self.body_copied_ && (s.len == 0 || self.base_ + s.off + s.len == at)) {
    self.extend(s, at, len);
  } else {
    // Chunked: the pieces are separated by chunk framing, so gather them.
    if (!self.body_copied_) {
      self.body_copy_.append(self.base_ + s.off, s.len);
      self.body_copied_ = true;
    }
    self.body_copy_.append(at, len);
  }
  size_t total = self.body_copied_ ? self.body_copy_.size() : s.len;
  if (total > self.body_limit_) {
    self.fail(413, "payload_too_large", "The request body exceeds 64 KiB.");
    return HPE_USER;
  }
  return 0;
}

int RequestParser::on_message_complete(llhttp_t* p) {
  RequestParser& self = of(p);
  Request& r = self.request_;
  r.method = method_from_llhttp(p->method);
  r.target = self.view(self.url_);
  size_t q = r.target.find('?');
  r.path = r.target.substr(0, q);
  r.query = q == std::string_view::npos ? std::string_view() : r.target.substr(q + 1);
  r.authorization = self.authorization_.len ? self.view(self.authorization_) : std::string_view();
  r.if_none_match = self.if_none_match_.len ? self.view(self.if_none_match_) : std::string_view();
  r.body = self.body_copied_ ? self.body_copy_.view() : self.view(self.body_span_);
  r.keep_alive = llhttp_should_keep_alive(p) != 0 && p->upgrade == 0;
  r.http_minor = p->http_minor;
  self.in_message_ = false;
  return HPE_PAUSED;
}

}  // namespace ringside
