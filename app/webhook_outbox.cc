#include "app/webhook_outbox.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <utility>

#include "core/log.h"

namespace ringside {

WebhookOutbox::WebhookOutbox(Reactor& reactor, PgConnection& connection, StoreWriter& writer,
                             WebhookSender& sender, std::string node,
                             std::function<bool(uint16_t partition)> serves)
    : reactor_(reactor),
      connection_(connection),
      writer_(writer),
      sender_(sender),
      node_(std::move(node)),
      serves_(std::move(serves)) {
  reactor_.add_batch_end_hook(&WebhookOutbox::on_batch_end, this);
}

WebhookOutbox::~WebhookOutbox() {
  reactor_.remove_batch_end_hook(&WebhookOutbox::on_batch_end, this);
}

void WebhookOutbox::on_committed(WebhookEvent&& event) {
  // Committed as its partition left this node: the row is the next owner's.
  if (serves_ && !serves_(event.partition)) return;
  if (spilled_) return;  // a read brings it, after the older rows
  const uint64_t seq = event.outbox_seq;
  const uint16_t partition = event.partition;
  if (!sender_.add(std::move(event))) {
    spilled_ = true;
    return;
  }
  last_seq_ = std::max(last_seq_, seq);
  if (partition < kPartitionCount) handed_[partition] = std::max(handed_[partition], seq);
}

void WebhookOutbox::on_finished(const WebhookEvent& event) {
  if (event.outbox_seq != 0) finished_.push_back(event.id);
}

void WebhookOutbox::partition_served(uint16_t partition) {
  if (partition >= kPartitionCount) return;
  handed_[partition] = 0;
  last_seq_ = 0;
  spilled_ = true;
  ++rewinds_;
}

void WebhookOutbox::partition_left(uint16_t partition) {
  if (partition >= kPartitionCount) return;
  handed_[partition] = 0;
  left_.set(partition);
}

void WebhookOutbox::drop_left() {
  if (left_.none()) return;
  const size_t dropped = sender_.drop_partitions(left_);
  if (dropped > 0) {
    log_info("webhook_partitions_left")
        .kv("node", node_)
        .kv("partitions", left_.count())
        .kv("events_left_in_outbox", dropped);
  }
  left_.reset();
}

void WebhookOutbox::on_batch_end(void* ctx) {
  auto* self = static_cast<WebhookOutbox*>(ctx);
  self->delete_finished();
  self->drop_left();
  self->read_back();
}

void WebhookOutbox::delete_finished() {
  if (finished_.empty()) return;
  // Event ids are session ids and a kind: no character an array literal would quote.
  ids_.assign(1, '{');
  for (size_t i = 0; i < finished_.size(); ++i) {
    if (i) ids_.push_back(',');
    ids_.append(finished_[i]);
  }
  ids_.push_back('}');
  finished_.clear();
  intent_.begin(0, WriteClass::kBackground);
  intent_.statement(kStmtDeleteWebhooks).text(ids_);
  writer_.submit_own(intent_.bytes());
}

bool WebhookOutbox::list_served() {
  served_.assign(1, '{');
  for (uint16_t p = 0; p < kPartitionCount; ++p) {
    if (!serves_(p)) continue;
    if (served_.size() > 1) served_.push_back(',');
    char num[8];
    served_.append(num, std::to_chars(num, num + sizeof num, p).ptr);
  }
  served_.push_back('}');
  return served_.size() > 2;
}

void WebhookOutbox::read_back() {
  if (!spilled_ || reading_ || sender_.room() == 0 || !connection_.ready()) return;
  if (serves_ && !list_served()) {
    spilled_ = false;  // nothing served: nothing to read (a partition served rewinds)
    return;
  }
  // Rows handed over already lie ahead of the cursor only after a rewind: they take no room,
  // and would hold each read to room() rows — then read a full kRowsPerRead. A read hands rows
  // over until the sender is full; the cursor stops at the last row dealt with, so the next
  // read starts at the row not taken.
  const bool handed_ahead = *std::max_element(handed_.begin(), handed_.end()) > last_seq_;
  const size_t limit = handed_ahead ? kRowsPerRead : std::min(sender_.room(), kRowsPerRead);
  if (!connection_.begin([this](const PgError* error) {
        if (error) reading_ = false;  // read again once the connection is back
      })) {
    return;
  }
  reading_ = true;
  PgParams params;
  params.add(static_cast<int64_t>(last_seq_)).add(static_cast<int64_t>(limit));
  if (serves_) params.add(std::string_view(served_));
  const StatementId statement = serves_ ? kStmtReadServedWebhooks : kStmtReadWebhooks;
  const uint32_t rewinds = rewinds_;
  connection_.execute(statement, params, [this, limit, rewinds](const PgResult* r, const PgError*) {
    reading_ = false;
    if (!r) return;
    const auto rows = static_cast<size_t>(r->rows());
    bool full = false;
    uint64_t cursor = 0;  // the newest row dealt with
    size_t handed = 0;
    for (size_t i = 0; i < rows; ++i) {
      const int row = static_cast<int>(i);
      const uint64_t seq = std::strtoull(std::string(r->text(row, 0)).c_str(), nullptr, 10);
      const auto partition =
          static_cast<uint16_t>(std::strtoul(std::string(r->text(row, 5)).c_str(), nullptr, 10));
      // Handed over already (read again after a rewind), or no longer served here.
      if (partition >= kPartitionCount || seq <= handed_[partition] ||
          (serves_ && !serves_(partition))) {
        cursor = seq;
        continue;
      }
      WebhookEvent e;
      e.outbox_seq = seq;
      e.partition = partition;
      e.id = r->text(row, 1);
      e.session = r->text(row, 2);
      e.body = r->text(row, 3);
      e.made_unix_ms = std::strtoll(std::string(r->text(row, 4)).c_str(), nullptr, 10);
      if (!sender_.add(std::move(e))) {
        full = true;
        break;
      }
      cursor = seq;
      handed_[partition] = seq;
      ++handed;
    }
    // Every read that found rows: one handing none over (all handed over already) is a read too.
    if (rows > 0) {
      log_info("webhook_outbox_read")
          .kv("node", node_)
          .kv("rows", uint64_t{rows})
          .kv("handed", uint64_t{handed});
    }
    // A rewind while this read was out: the next read starts from the first row again.
    if (rewinds != rewinds_) return;
    last_seq_ = std::max(last_seq_, cursor);
    if (!full && rows < limit) spilled_ = false;
  });
  connection_.commit();
}

}  // namespace ringside
