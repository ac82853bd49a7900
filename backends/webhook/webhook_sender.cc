#include "backends/webhook/webhook_sender.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "core/log.h"
#include "model/url_origin.h"
#include "model/webhook_signature.h"

namespace ringside {

uint64_t webhook_retry_delay_ms(uint32_t failures, uint64_t first_ms, uint64_t max_ms) {
  if (failures == 0) return 0;
  uint64_t delay = first_ms;
  for (uint32_t i = 1; i < failures && delay < max_ms; ++i) delay *= 2;
  return std::min(delay, max_ms);
}

WebhookSender::WebhookSender(WebhookSenderOptions options, TimerWheel& timers,
                             std::function<uint64_t()> now_ms, std::function<int64_t()> unix_ms,
                             Post post, WebhookMetrics& metrics, Finished finished)
    : options_(std::move(options)),
      timers_(timers),
      now_ms_(std::move(now_ms)),
      unix_ms_(std::move(unix_ms)),
      post_(std::move(post)),
      metrics_(metrics),
      finished_(std::move(finished)),
      targets_(options_.urls.size()) {
  for (size_t i = 0; i < targets_.size(); ++i) {
    targets_[i].url = options_.urls[i];
    targets_[i].index = i;
    targets_[i].origin = url_origin_for_log(options_.urls[i]);
  }
}

WebhookSender::~WebhookSender() {
  for (Target& t : targets_) {
    for (auto& [session, lane] : t.lanes) timers_.cancel(&lane);
  }
}

bool WebhookSender::add(WebhookEvent event) {
  if (ids_.contains(event.id)) return true;
  if (events_.size() >= options_.memory_events) {
    if (options_.durable) return false;
    drop_oldest();
  }
  const uint64_t key = next_key_++;
  ids_.insert(event.id);
  Held& held = events_[key];
  held.urls_left = static_cast<uint32_t>(targets_.size());
  for (Target& t : targets_) {
    auto [it, made] = t.lanes.try_emplace(event.session);
    Lane& lane = it->second;
    if (made) {
      lane.sender = this;
      lane.target = &t;
      lane.session = event.session;
      lane.on_fire = &WebhookSender::on_retry;
    }
    lane.keys.push_back(key);
    if (lane.keys.size() == 1 && !lane.in_flight && !lane.armed()) make_ready(lane);
  }
  held.event = std::move(event);
  publish();
  for (Target& t : targets_) pump(t);
  return true;
}

void WebhookSender::make_ready(Lane& lane) {
  if (lane.queued) return;
  lane.queued = true;
  lane.target->ready.push_back(&lane);
}

void WebhookSender::pump(Target& t) {
  while (t.in_flight < options_.concurrency_per_url && !t.ready.empty()) {
    Lane& lane = *t.ready.front();
    t.ready.pop_front();
    lane.queued = false;
    if (lane.keys.empty()) {
      erase_if_idle(lane);
      continue;
    }
    attempt(lane);
  }
}

void WebhookSender::attempt(Lane& lane) {
  Target& t = *lane.target;
  const Held& held = events_.at(lane.keys.front());
  if (lane.first_attempt_ms == 0) lane.first_attempt_ms = std::max<uint64_t>(now_ms_(), 1);
  const int64_t stamp = unix_ms_() / 1000;
  char num[24];
  const auto r = std::to_chars(num, num + sizeof num, stamp);
  std::vector<std::string> headers;
  headers.reserve(4);
  headers.push_back("Content-Type: application/json");
  headers.push_back("X-Ringside-Event-Id: " + held.event.id);
  headers.push_back("X-Ringside-Timestamp: " + std::string(num, r.ptr));
  headers.push_back("X-Ringside-Signature: " +
                    webhook_signature(options_.secret, stamp, held.event.body));
  lane.in_flight = true;
  lane.sent_key = lane.keys.front();
  ++t.in_flight;
  post_(t.url, std::move(headers), held.event.body, options_.timeout_ms,
        [this, &lane](long status) { on_answer(lane, status); });
}

void WebhookSender::on_answer(Lane& lane, long status) {
  Target& t = *lane.target;
  lane.in_flight = false;
  --t.in_flight;
  if (lane.keys.empty() || lane.keys.front() != lane.sent_key) {
    // Its event was dropped meanwhile (memory cap): on with the next, if any.
    lane.failures = 0;
    lane.first_attempt_ms = 0;
    if (lane.keys.empty()) {
      erase_if_idle(lane);
    } else {
      make_ready(lane);
    }
    pump(t);
    return;
  }
  if (status >= 200 && status < 300) {
    metrics_.deliveries.add();
    advance(lane);
  } else {
    metrics_.failures.add();
    ++lane.failures;
    const uint64_t now = now_ms_();
    if (now - lane.first_attempt_ms >= options_.give_up_after_ms) {
      metrics_.given_up.add();
      log_warn("webhook_given_up")
          .kv("node", options_.node)
          .kv("event_id", events_.at(lane.keys.front()).event.id)
          .kv("url_index", t.index)
          .kv("url", t.origin)
          .kv("attempts", uint64_t{lane.failures});
      advance(lane);
    } else {
      const uint64_t delay =
          webhook_retry_delay_ms(lane.failures, options_.first_retry_ms, options_.max_retry_ms);
      if (lane.failures == 1) {
        log_info("webhook_retrying")
            .kv("node", options_.node)
            .kv("event_id", events_.at(lane.keys.front()).event.id)
            .kv("url_index", t.index)
            .kv("url", t.origin)
            .kv("status", static_cast<int64_t>(status));
      }
      timers_.arm(&lane, now + delay);
    }
  }
  pump(t);
}

void WebhookSender::advance(Lane& lane) {
  const uint64_t key = lane.keys.front();
  lane.keys.pop_front();
  lane.failures = 0;
  lane.first_attempt_ms = 0;
  auto it = events_.find(key);
  if (--it->second.urls_left == 0) {
    if (finished_) finished_(it->second.event);
    ids_.erase(it->second.event.id);
    events_.erase(it);
    publish();
  }
  if (lane.keys.empty()) {
    erase_if_idle(lane);
  } else {
    make_ready(lane);
  }
}

void WebhookSender::on_retry(TimerNode* node) {
  Lane& lane = *static_cast<Lane*>(node);
  Target& t = *lane.target;
  if (lane.keys.empty()) {
    lane.sender->erase_if_idle(lane);
    return;
  }
  lane.sender->make_ready(lane);
  lane.sender->pump(t);
}

void WebhookSender::erase_if_idle(Lane& lane) {
  if (!lane.keys.empty() || lane.in_flight || lane.queued || lane.armed()) return;
  Target& t = *lane.target;
  t.lanes.erase(lane.session);
}

// Without a database, past the cap: the oldest event goes, from every URL's lane.
void WebhookSender::drop_oldest() {
  auto it = events_.begin();
  metrics_.dropped.add();
  log_warn("webhook_dropped").kv("node", options_.node).kv("event_id", it->second.event.id);
  forget(it);
}

size_t WebhookSender::drop_partitions(const std::bitset<kPartitionCount>& partitions) {
  size_t dropped = 0;
  for (auto it = events_.begin(); it != events_.end();) {
    auto next = std::next(it);
    const uint16_t partition = it->second.event.partition;
    if (partition < kPartitionCount && partitions.test(partition)) {
      forget(it);
      ++dropped;
    }
    it = next;
  }
  if (dropped > 0) {
    publish();
    for (Target& t : targets_) pump(t);  // lanes whose head went move on
  }
  return dropped;
}

void WebhookSender::forget(std::map<uint64_t, Held>::iterator it) {
  const WebhookEvent& e = it->second.event;
  for (Target& t : targets_) {
    auto lane_it = t.lanes.find(e.session);
    if (lane_it == t.lanes.end()) continue;
    Lane& lane = lane_it->second;
    auto pos = std::find(lane.keys.begin(), lane.keys.end(), it->first);
    if (pos == lane.keys.end()) continue;
    const bool head = pos == lane.keys.begin();
    lane.keys.erase(pos);
    if (!head || lane.in_flight) continue;  // an answer in flight moves the lane on
    lane.failures = 0;
    lane.first_attempt_ms = 0;
    timers_.cancel(&lane);  // a retry of the forgotten event
    if (lane.keys.empty()) {
      erase_if_idle(lane);
    } else {
      make_ready(lane);
    }
  }
  ids_.erase(e.id);
  events_.erase(it);
}

void WebhookSender::publish() {
  metrics_.undelivered.set(events_.size());
  metrics_.oldest_undelivered_ms.set(
      events_.empty() ? 0 : static_cast<uint64_t>(events_.begin()->second.event.made_unix_ms));
}

}  // namespace ringside
