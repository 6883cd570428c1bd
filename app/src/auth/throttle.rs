//! Slows password guessing: an account name with too many recent failures is refused for a while.
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginThrottle {
    max_failures: u32,
    window: Duration,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(5, Duration::from_secs(15 * 60))
    }
}

impl LoginThrottle {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self { max_failures, window, failures: Mutex::new(HashMap::new()) }
    }

    fn key(username: &str) -> String {
        username.to_lowercase()
    }

    /// Whether a sign-in for this name may be tried now.
    pub fn allowed(&self, username: &str) -> bool {
        let mut map = self.failures.lock().expect("throttle lock");
        match map.get(&Self::key(username)) {
            Some((n, since)) if since.elapsed() < self.window => *n < self.max_failures,
            Some(_) => {
                map.remove(&Self::key(username));
                true
            }
            None => true,
        }
    }

    pub fn failed(&self, username: &str) {
        let mut map = self.failures.lock().expect("throttle lock");
        // Bound memory under a flood of random names: forget windows that are over.
        if map.len() > 100_000 {
            let window = self.window;
            map.retain(|_, (_, since)| since.elapsed() < window);
        }
        let entry = map.entry(Self::key(username)).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= self.window {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }

    pub fn succeeded(&self, username: &str) {
        self.failures.lock().expect("throttle lock").remove(&Self::key(username));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_max_failures_and_ignores_case() {
        let t = LoginThrottle::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(t.allowed("Li"));
            t.failed("li");
        }
        assert!(!t.allowed("LI"));
        assert!(t.allowed("wang"));
        t.succeeded("li");
        assert!(t.allowed("li"));
    }

    #[test]
    fn window_expiry_unlocks() {
        let t = LoginThrottle::new(1, Duration::from_millis(0));
        t.failed("a");
        assert!(t.allowed("a"));
    }
}
