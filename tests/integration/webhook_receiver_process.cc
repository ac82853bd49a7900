#include "integration/webhook_receiver_process.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "integration/http_client.h"
#include "integration/server_process.h"

namespace ringside::itest {

WebhookReceiver::~WebhookReceiver() { kill(); }

bool WebhookReceiver::start(uint16_t port_wanted) {
  port_ = port_wanted ? port_wanted : pick_free_port();
  const std::string script = std::string(RINGSIDE_TESTS_DIR) + "/integration/webhook_receiver.py";
  const std::string port = std::to_string(port_);
  pid_ = fork();
  if (pid_ == 0) {
    execlp("python3", "python3", script.c_str(), port.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int waited = 0; waited < 5000; waited += 20) {
    HttpClient probe;
    if (probe.connect(port_, 200)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void WebhookReceiver::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string WebhookReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

bool WebhookReceiver::set_mode(const std::string& mode) {
  HttpClient c;
  if (!c.connect(port_)) return false;
  auto r = c.request("POST", "/_mode/" + mode);
  return r && r->status == 200;
}

std::vector<ReceivedWebhook> WebhookReceiver::received() {
  std::vector<ReceivedWebhook> out;
  HttpClient c;
  if (!c.connect(port_)) return out;
  auto r = c.request("GET", "/_received");
  if (!r || r->status != 200) return out;
  const Json all = Json::parse(r->body);
  for (size_t i = 0; i < all.size(); ++i) {
    const Json e = all.at(i);
    out.push_back({e["path"].str(), e["eventId"].str(), e["timestamp"].str(), e["signature"].str(),
                   e["contentType"].str(), e["body"].str(),
                   static_cast<int>(e["answer"].integer().value_or(0))});
  }
  return out;
}

std::string expected_signature(const std::string& secret, const std::string& timestamp,
                               const std::string& body) {
  const std::string text = timestamp + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 15]);
  }
  return out;
}

}  // namespace ringside::itest
