//! Requests-per-minute and tokens-per-minute limits shared by every worker
//! of a run: requests are spaced evenly (60 s / rpm apart), and a request
//! waits while the tokens of the last minute plus its own would pass the
//! limit.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::job::CancelToken;

const MINUTE: Duration = Duration::from_secs(60);
/// How often a waiting worker looks at the cancel token.
const TICK: Duration = Duration::from_millis(100);

#[derive(Debug)]
pub struct Limiter {
    spacing: Option<Duration>,
    tokens_per_minute: Option<u64>,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    next_start: Instant,
    window: VecDeque<(Instant, u64)>,
    window_tokens: u64,
}

impl Limiter {
    pub fn new(requests_per_minute: Option<u32>, tokens_per_minute: Option<u32>) -> Self {
        Self {
            spacing: requests_per_minute.map(|rpm| MINUTE / rpm.max(1)),
            tokens_per_minute: tokens_per_minute.map(u64::from),
            state: Mutex::new(State {
                next_start: Instant::now(),
                window: VecDeque::new(),
                window_tokens: 0,
            }),
        }
    }

    /// Waits until a request of `tokens` may start and books it; `false`
    /// when the run was cancelled while waiting.
    pub fn admit(&self, tokens: u64, cancel: &CancelToken) -> bool {
        loop {
            if cancel.is_cancelled() {
                return false;
            }
            let wait = {
                let mut state = self.state.lock().expect("limiter lock");
                let now = Instant::now();
                let wait = self.wait_of(&mut state, now, tokens);
                if wait.is_zero() {
                    if let Some(spacing) = self.spacing {
                        state.next_start = state.next_start.max(now) + spacing;
                    }
                    state.window.push_back((now, tokens));
                    state.window_tokens += tokens;
                    return true;
                }
                wait
            };
            std::thread::sleep(wait.min(TICK));
        }
    }

    fn wait_of(&self, state: &mut State, now: Instant, tokens: u64) -> Duration {
        while let Some(&(at, used)) = state.window.front() {
            if now.duration_since(at) < MINUTE {
                break;
            }
            state.window.pop_front();
            state.window_tokens -= used;
        }
        let by_requests = match self.spacing {
            Some(_) => state.next_start.saturating_duration_since(now),
            None => Duration::ZERO,
        };
        let by_tokens = match (self.tokens_per_minute, state.window.front()) {
            // A request larger than the limit still goes, alone.
            (Some(limit), Some(&(oldest, _))) if state.window_tokens + tokens > limit => {
                (oldest + MINUTE).saturating_duration_since(now)
            }
            _ => Duration::ZERO,
        };
        by_requests.max(by_tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_spaced_by_the_per_minute_limit() {
        let limiter = Limiter::new(Some(600), None);
        let cancel = CancelToken::new();
        let start = Instant::now();
        for _ in 0..4 {
            assert!(limiter.admit(1, &cancel));
        }
        // 600 a minute is one every 100 ms: the fourth starts after 300 ms.
        assert!(
            start.elapsed() >= Duration::from_millis(290),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn a_token_budget_spent_makes_the_next_request_wait() {
        let limiter = Limiter::new(None, Some(1000));
        let cancel = CancelToken::new();
        assert!(limiter.admit(900, &cancel));
        let mut state = limiter.state.lock().unwrap();
        let now = Instant::now();
        assert!(limiter.wait_of(&mut state, now, 200) > Duration::from_secs(59));
        assert!(limiter.wait_of(&mut state, now, 100).is_zero());
    }

    #[test]
    fn a_cancelled_run_stops_waiting() {
        let limiter = Limiter::new(Some(1), None);
        let cancel = CancelToken::new();
        assert!(limiter.admit(1, &cancel));
        cancel.cancel();
        assert!(!limiter.admit(1, &cancel));
    }
}
