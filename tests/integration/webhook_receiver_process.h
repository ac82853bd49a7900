#pragma once
// tests/integration/webhook_receiver.py as a child process: a real HTTP receiver the webhook
// tests point ringside at, told to answer 2xx, 500 or nothing, and asked what it received.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "integration/api_json.h"

namespace ringside::itest {

struct ReceivedWebhook {
  std::string path, event_id, timestamp, signature, content_type, body;
  int answer = 0;  // the status it was answered with; 0: none (hung)
};

class WebhookReceiver {
 public:
  WebhookReceiver() = default;
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;
  ~WebhookReceiver();

  // Starts it on a free loopback port (or `port`: the one it had, after kill()); false if it
  // does not listen within 5 s.
  bool start(uint16_t port = 0);
  void kill();
  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/hook") const;
  // "ok" (204), "big" (200 with a 200 KiB page), "fail" (500) or "hang" (no answer).
  bool set_mode(const std::string& mode);
  std::vector<ReceivedWebhook> received();

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

// "sha256=" and the hex HMAC-SHA256 of `timestamp + "." + body` with `secret`, computed here
// with OpenSSL's HMAC() directly: what a receiver checks.
std::string expected_signature(const std::string& secret, const std::string& timestamp,
                               const std::string& body);

}  // namespace ringside::itest
