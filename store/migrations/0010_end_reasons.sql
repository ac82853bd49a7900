-- 0010_end_reasons: the end reasons issue 17 added (model/session_types.h): a session stopped
-- at its game's time limit (max_duration), by an operator (operator_stop) or by a drain of its
-- server (server_drained). 0001 allowed only stopped, idle_timeout and error, so the end of
-- such a session could not be written. NOT VALID: every row already satisfies the old, narrower
-- check, so the table is not scanned again.
ALTER TABLE sessions DROP CONSTRAINT sessions_end_reason_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_end_reason_check
  CHECK (end_reason IN ('stopped', 'idle_timeout', 'error', 'max_duration', 'operator_stop',
                        'server_drained')) NOT VALID;
