#include "app/webhook_outbox.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "core/log.h"

namespace ringside {

WebhookOutbox::WebhookOutbox(Reactor& reactor, PgConnection& connection, StoreWriter& writer,
                             WebhookSender& sender, std::string node)
    : reactor_(reactor),
      connection_(connection),
      writer_(writer),
      sender_(sender),
      node_(std::move(node)) {
  reactor_.add_batch_end_hook(&WebhookOutbox::on_batch_end, this);
}

WebhookOutbox::~WebhookOutbox() {
  reactor_.remove_batch_end_hook(&WebhookOutbox::on_batch_end, this);
}

void WebhookOutbox::on_committed(WebhookEvent&& event) {
  if (spilled_) return;  // a read brings it, after the older rows
  const uint64_t seq = event.outbox_seq;
  if (!sender_.add(std::move(event))) {
    spilled_ = true;
    return;
  }
  last_seq_ = std::max(last_seq_, seq);
}

void WebhookOutbox::on_finished(const WebhookEvent& event) {
  if (event.outbox_seq != 0) finished_.push_back(event.id);
}

void WebhookOutbox::on_batch_end(void* ctx) {
  auto* self = static_cast<WebhookOutbox*>(ctx);
  self->delete_finished();
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

void WebhookOutbox::read_back() {
  if (!spilled_ || reading_ || sender_.room() == 0 || !connection_.ready()) return;
  const size_t limit = std::min(sender_.room(), kRowsPerRead);
  if (!connection_.begin([this](const PgError* error) {
        if (error) reading_ = false;  // read again once the connection is back
      })) {
    return;
  }
  reading_ = true;
  PgParams params;
  params.add(static_cast<int64_t>(last_seq_)).add(static_cast<int64_t>(limit));
  connection_.execute(kStmtReadWebhooks, params, [this, limit](const PgResult* r, const PgError*) {
    reading_ = false;
    if (!r) return;
    const auto rows = static_cast<size_t>(r->rows());
    bool full = false;
    for (size_t i = 0; i < rows; ++i) {
      const int row = static_cast<int>(i);
      WebhookEvent e;
      e.outbox_seq = std::strtoull(std::string(r->text(row, 0)).c_str(), nullptr, 10);
      e.id = r->text(row, 1);
      e.session = r->text(row, 2);
      e.body = r->text(row, 3);
      e.made_unix_ms = std::strtoll(std::string(r->text(row, 4)).c_str(), nullptr, 10);
      const uint64_t seq = e.outbox_seq;
      if (!sender_.add(std::move(e))) {
        full = true;
        break;
      }
      last_seq_ = std::max(last_seq_, seq);
    }
    if (!full && rows < limit) spilled_ = false;
    if (rows > 0) {
      log_info("webhook_outbox_read").kv("node", node_).kv("rows", uint64_t{rows});
    }
  });
  connection_.commit();
}

}  // namespace ringside
