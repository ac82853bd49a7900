// The stop path: stop() at whatever step the session is, then stats (CPU seconds, peak memory),
// stop with a grace period, the save copied out to the save root, remove (docker_backend.cc).
// A stop on an engine that is gone ends the session lost at once.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <utility>

#include "backends/docker/docker_backend.h"
#include "backends/docker/save_archive.h"
#include "core/log.h"

namespace ringside {
namespace {

using docker_api::describe_failure;

constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();

}  // namespace

void DockerBackend::stop(const Id128& session) {
  Session* s = find(session);
  if (s == nullptr || s->stop_requested) return;
  s->stop_requested = true;
  switch (s->step) {
    case Step::kPull:
      forget_pull(*s);
      report_later(*s, End::kStopped, SessionError::kNone);
      return;
    case Step::kCapacity:  // nothing created, nothing in flight
    case Step::kWaitRoom:
      abandon(*s);
      return;
    case Step::kCreate:
    case Step::kPutSave:
    case Step::kStart:
      return;  // the step's answer sees stop_requested and abandons the start
    case Step::kTake:
      // The save may be on its way to the game: the container goes, with nothing saved.
      timers_.cancel(&s->timer);
      attach_.close(std::exchange(s->attach, 0));
      abandon(*s);
      return;
    case Step::kHealth:
      if (s->request == 0) {  // between polls
        timers_.cancel(&s->timer);
        abandon(*s);
      }
      return;
    case Step::kRunning:
      // A CPU baseline still asked for is abandoned: here, or by the stats call that replaces
      // it (the figure is then the whole total).
      if (!engines_[s->engine]->up) {
        // Every call would fail or time out: the lost-engine outcome, without the wait.
        log_warn("docker_stop_engine_down")
            .kv("session", s->id_text)
            .kv("server", servers_[s->engine].name);
        cancel_call(*s);
        report_later(*s, End::kLost, SessionError::kServerLost);
        return;
      }
      collect_stats(*s);
      return;
    case Step::kRemove:
    case Step::kReport:
      // A start failure (or a start that found no room) not yet reported: the stop wins, as a
      // stop of a start that never ran.
      if (s->end == End::kStartFailed || s->end == End::kNoRoom) {
        s->end = End::kStopped;
        s->figures = {};
      }
      return;
    case Step::kStats:
    case Step::kStopContainer:
    case Step::kGetSave:
    case Step::kStoreSave:
      return;
  }
}

// What the helper thread made of the archive a stop copied out.
struct DockerBackend::StoredSave {
  RebasedTar checked;
  bool written = false;
  std::string write_error;
};

void DockerBackend::collect_stats(Session& s) {
  call(s, Step::kStats, docker_api::container_stats(endpoint(s), s.container),
       &DockerBackend::on_stats);
}

void DockerBackend::on_stats(Session& s, HttpResponse&& r) {
  if (engine_gone(s, r)) return lose_stopping(s, "stats");
  std::optional<docker_api::StatsFigures> f;
  if (r.status == 200) f = docker_api::parse_stats(r.body);
  if (!f) log_warn("docker_stats_failed").kv("session", s.id_text).kv("error", describe_failure(r));
  // Only what it used while running: start-up is the platform's, not the player's or game's.
  // The window ends at this read (the engine's stats tick, up to a second after the stop was
  // asked for) and starts at the baseline's, or at `running` when there was none.
  const double used = f ? f->cpu_seconds - s.cpu_baseline : kUnknown;
  s.figures.cpu_seconds = used < 0 ? 0 : used;  // NaN stays unknown
  const uint64_t since = s.baseline_ms != 0 ? s.baseline_ms : s.running_since_ms;
  s.figures.cpu_window_ms =
      static_cast<uint32_t>(std::min<uint64_t>(reactor_.now_ms() - since, UINT32_MAX));
  s.figures.peak_memory_mb = f ? f->peak_memory_mb : kUnknown;
  call(s, Step::kStopContainer,
       docker_api::stop_container(endpoint(s), s.container, options_.stop_grace_s),
       &DockerBackend::on_container_stopped);
}

void DockerBackend::on_container_stopped(Session& s, HttpResponse&& r) {
  if (engine_gone(s, r)) return lose_stopping(s, "stop");
  // The save is still copied out of a container that would not stop.
  if (r.status != 204 && r.status != 304) {
    log_warn("docker_stop_failed").kv("session", s.id_text).kv("error", describe_failure(r));
  }
  save_out(s, End::kStopped, SessionError::kNone);
}

void DockerBackend::save_out(Session& s, End end, SessionError error) {
  s.end = end;
  s.error = error;
  call(s, Step::kGetSave, docker_api::get_archive(endpoint(s), s.container, s.save_dir),
       &DockerBackend::on_save_got);
}

void DockerBackend::on_save_got(Session& s, HttpResponse&& r) {
  if (engine_gone(s, r)) return lose_stopping(s, "get_save");
  if (r.status == 200) return store_save(s, std::move(r.body));
  if (r.too_large) {
    save_failed(s, SaveError::kTooLarge, "the archive is over the limit");
  } else {
    save_failed(s, SaveError::kFailed, describe_failure(r));
  }
  remove_and_end(s, s.end, s.error);
}

void DockerBackend::store_save(Session& s, std::string&& tar) {
  s.step = Step::kStoreSave;
  auto stored = std::make_shared<StoredSave>();
  // Read through once: what is stored is known to be a tar the next start can put back.
  files_.post(
      [stored, tar = std::move(tar), top = base_name(s.save_dir),
       path = save_file_path(options_.save_root, s.slot)] {
        try {
          stored->checked = rebase_tar(tar, top);
        } catch (const std::exception& e) {  // out of memory for a big save: lose this save only
          stored->checked = RebasedTar{{}, SaveError::kFailed, e.what()};
        }
        if (stored->checked.error == SaveError::kNone) {
          stored->written = write_save(path, stored->checked.tar, &stored->write_error);
        }
      },
      [this, id = s.id, stored] {
        if (Session* found = find(id)) on_save_stored(*found, *stored);
      });
}

void DockerBackend::on_save_stored(Session& s, const StoredSave& stored) {
  if (stored.checked.error != SaveError::kNone) {
    save_failed(s, stored.checked.error, stored.checked.detail);
  } else if (!stored.written) {
    save_failed(s, SaveError::kFailed, stored.write_error);
  } else {
    s.figures.save_bytes = stored.checked.tar.size();
  }
  remove_and_end(s, s.end, s.error);
}

void DockerBackend::end_asked_stop(Session& s, bool container_left) {
  log_info("docker_stopped_before")
      .kv("session", s.id_text)
      .kv("server", servers_[s.engine].name)
      .kv("container_left", container_left ? 1 : 0);
  // Nothing was read before it stopped: CPU and memory unknown, as a lost session's.
  s.figures = SessionFigures{kUnknown, kUnknown};
  if (container_left) return save_out(s, End::kStopped, SessionError::kNone);
  report_later(s, End::kStopped, SessionError::kNone);
}

void DockerBackend::save_out_lost(Session& s) {
  log_warn("docker_container_lost")
      .kv("session", s.id_text)
      .kv("server", servers_[s.engine].name)
      .kv("seen_by", "recovery");
  save_out(s, End::kLost, SessionError::kContainerLost);
}

void DockerBackend::save_failed(Session& s, SaveError error, std::string_view detail) {
  s.figures.save_error = error;
  metrics_.saves_failed[static_cast<size_t>(error)].add();
  log_error("docker_save_failed")
      .kv("session", s.id_text)
      .kv("server", servers_[s.engine].name)
      .kv("reason", save_error_code(error))
      .kv("detail", detail);
}

bool DockerBackend::engine_gone(const Session& s, const HttpResponse& r) const {
  // Refused (or cut off): nobody listens any more. A timeout counts once a ping said so too.
  // An answer cut at the size limit came from an engine that is there.
  return r.status == 0 && !r.too_large && (!r.timed_out || !engines_[s.engine]->up);
}

void DockerBackend::lose_stopping(Session& s, std::string_view step) {
  log_warn("docker_stop_engine_lost")
      .kv("session", s.id_text)
      .kv("server", servers_[s.engine].name)
      .kv("step", step);
  s.end = End::kLost;
  s.error = SessionError::kServerLost;
  report(s);
}

}  // namespace ringside
