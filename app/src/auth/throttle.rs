//! Slows password guessing without letting a guesser lock the right person out, and keeps
//! sign-in from exhausting memory.
//!
//! - Each account name and each client address has a count of recent failures. Past
//!   [`FREE_FAILURES`], every further attempt must wait twice as long as the last (1 s, 2 s,
//!   4 s … up to [`MAX_DELAY`]): a delay, never a hard lock.
//! - A client that has signed in as a name before is *trusted* for it: the name's delay does not
//!   apply to it (its own address still counts), so guesses from elsewhere cannot keep an admin
//!   out of their usual machine.
//! - An attempt is counted when it starts, under one lock, so parallel guesses cannot slip past
//!   the limit together; a success clears it.
//! - Every table is bounded ([`MAX_ENTRIES`]); names are checked for length before they are kept.
//! - Password checks (argon2, 19 MiB each) run a few at a time; a bounded queue waits behind
//!   them and anything beyond it is refused at once.
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Failures allowed before delays start.
pub const FREE_FAILURES: u32 = 5;
/// The longest delay between attempts.
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// Entries kept per table (names, clients, trusted pairs).
pub const MAX_ENTRIES: usize = 10_000;
/// Sign-ins waiting for a password check beyond those running; more are refused.
pub const MAX_WAITING: usize = 32;
/// How long a trusted client stays trusted for a name after its last sign-in.
const TRUST: Duration = Duration::from_secs(30 * 24 * 3600);

/// Why a sign-in may not be tried now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Too many recent failures: try again after this long.
    Wait(Duration),
    /// Too many sign-ins at once.
    Busy,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Failures {
    fn delay(&self) -> Duration {
        match self.count.checked_sub(FREE_FAILURES) {
            None => Duration::ZERO,
            Some(over) => Duration::from_secs(1u64 << over.min(20)).min(MAX_DELAY),
        }
    }

    fn wait(&self, now: Instant) -> Duration {
        (self.last + self.delay()).saturating_duration_since(now)
    }

    /// Forgotten once the longest delay has passed twice over.
    fn expired(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.last) > 2 * MAX_DELAY
    }
}

/// A map that never holds more than [`MAX_ENTRIES`]: when full, stale entries go first, then
/// the oldest.
struct Bounded<K, V>(HashMap<K, V>);

impl<K: Hash + Eq + Clone, V> Bounded<K, V> {
    fn new() -> Self {
        Bounded(HashMap::new())
    }

    fn make_room(&mut self, stale: impl Fn(&V) -> bool, age: impl Fn(&V) -> Instant) {
        if self.0.len() < MAX_ENTRIES {
            return;
        }
        self.0.retain(|_, v| !stale(v));
        while self.0.len() >= MAX_ENTRIES {
            let oldest = self.0.iter().min_by_key(|(_, v)| age(v)).map(|(k, _)| k.clone());
            match oldest {
                Some(k) => self.0.remove(&k),
                None => break,
            };
        }
    }
}

struct Tables {
    names: Bounded<String, Failures>,
    clients: Bounded<IpAddr, Failures>,
    trusted: Bounded<(String, IpAddr), Instant>,
}

pub struct LoginThrottle {
    tables: Mutex<Tables>,
    checks: tokio::sync::Semaphore,
    waiting: AtomicUsize,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::new(cores.clamp(1, 4))
    }
}

/// A running password check: holds one of the few slots until dropped.
pub struct CheckSlot<'a>(#[allow(dead_code)] tokio::sync::SemaphorePermit<'a>);

impl LoginThrottle {
    /// At most `checks` password checks at once.
    pub fn new(checks: usize) -> Self {
        LoginThrottle {
            tables: Mutex::new(Tables { names: Bounded::new(), clients: Bounded::new(), trusted: Bounded::new() }),
            checks: tokio::sync::Semaphore::new(checks.max(1)),
            waiting: AtomicUsize::new(0),
        }
    }

    fn key(name: &str) -> String {
        name.to_lowercase()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tables> {
        // A panic while holding the lock leaves plain counters behind: still usable.
        self.tables.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts an attempt for `name` (`None`: a name that cannot exist) from `client`: refused
    /// while a delay runs, otherwise counted as a failure until [`Self::succeeded`].
    pub fn begin(&self, name: Option<&str>, client: Option<IpAddr>) -> Result<(), Refused> {
        let now = Instant::now();
        let name = name.map(Self::key);
        let mut t = self.lock();
        let trusted = match (&name, client) {
            (Some(n), Some(ip)) => {
                t.trusted.0.get(&(n.clone(), ip)).is_some_and(|at| now.saturating_duration_since(*at) < TRUST)
            }
            _ => false,
        };
        let by_name = if trusted {
            Duration::ZERO
        } else {
            name.as_ref().and_then(|n| t.names.0.get(n)).map_or(Duration::ZERO, |f| f.wait(now))
        };
        let by_client = client.and_then(|ip| t.clients.0.get(&ip)).map_or(Duration::ZERO, |f| f.wait(now));
        let wait = by_name.max(by_client);
        if !wait.is_zero() {
            return Err(Refused::Wait(wait));
        }
        let count = |f: &mut Failures| {
            if f.expired(now) {
                f.count = 0;
            }
            f.count += 1;
            f.last = now;
        };
        let fresh = Failures { count: 0, last: now };
        if let Some(n) = name {
            t.names.make_room(|f| f.expired(now), |f| f.last);
            count(t.names.0.entry(n).or_insert(fresh));
        }
        if let Some(ip) = client {
            t.clients.make_room(|f| f.expired(now), |f| f.last);
            count(t.clients.0.entry(ip).or_insert(fresh));
        }
        Ok(())
    }

    /// The attempt never reached the password check (the server was busy): it does not count
    /// against its name or client, so a flood of others' guesses cannot run up their delays.
    pub fn withdraw(&self, name: Option<&str>, client: Option<IpAddr>) {
        let mut t = self.lock();
        if let Some(f) = name.map(Self::key).and_then(|n| t.names.0.get_mut(&n)) {
            f.count = f.count.saturating_sub(1);
        }
        if let Some(f) = client.and_then(|ip| t.clients.0.get_mut(&ip)) {
            f.count = f.count.saturating_sub(1);
        }
    }

    /// The attempt was right: its name and client start afresh, and the client is trusted for
    /// the name from now on.
    pub fn succeeded(&self, name: &str, client: Option<IpAddr>) {
        let now = Instant::now();
        let name = Self::key(name);
        let mut t = self.lock();
        t.names.0.remove(&name);
        if let Some(ip) = client {
            t.clients.0.remove(&ip);
            t.trusted.make_room(|at| now.saturating_duration_since(*at) >= TRUST, |at| *at);
            t.trusted.0.insert((name, ip), now);
        }
    }

    /// Waits for a password-check slot, or refuses at once when the queue is full.
    pub async fn check_slot(&self) -> Result<CheckSlot<'_>, Refused> {
        if let Ok(permit) = self.checks.try_acquire() {
            return Ok(CheckSlot(permit));
        }
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(Refused::Busy);
        }
        let permit = self.checks.acquire().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        permit.map(CheckSlot).map_err(|_| Refused::Busy)
    }

    /// Entries held (names, clients, trusted pairs), for tests.
    pub fn sizes(&self) -> (usize, usize, usize) {
        let t = self.lock();
        (t.names.0.len(), t.clients.0.len(), t.trusted.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1)));
    const AWAY: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2)));

    #[test]
    fn delays_start_after_the_free_failures_and_ignore_case() {
        let t = LoginThrottle::new(1);
        for _ in 0..FREE_FAILURES {
            assert_eq!(t.begin(Some("Li"), None), Ok(()));
        }
        assert!(matches!(t.begin(Some("LI"), None), Err(Refused::Wait(d)) if d <= Duration::from_secs(1)));
        assert_eq!(t.begin(Some("wang"), None), Ok(()));
        t.succeeded("li", None);
        assert_eq!(t.begin(Some("li"), None), Ok(()));
    }

    #[test]
    fn a_trusted_client_gets_in_while_others_guess_its_name() {
        let t = LoginThrottle::new(1);
        t.succeeded("admin", HOME);
        for _ in 0..FREE_FAILURES {
            t.begin(Some("admin"), AWAY).unwrap();
        }
        assert!(matches!(t.begin(Some("admin"), AWAY), Err(Refused::Wait(_))));
        assert_eq!(t.begin(Some("admin"), HOME), Ok(()), "the admin's own machine is not delayed");
    }

    #[test]
    fn attempts_refused_as_busy_do_not_count() {
        let t = LoginThrottle::new(1);
        for _ in 0..(FREE_FAILURES * 3) {
            t.begin(Some("li"), HOME).unwrap();
            t.withdraw(Some("li"), HOME);
        }
        assert_eq!(t.begin(Some("li"), HOME), Ok(()), "no delay for attempts that were never checked");
    }

    #[test]
    fn one_client_spraying_names_is_delayed() {
        let t = LoginThrottle::new(1);
        for i in 0..FREE_FAILURES {
            t.begin(Some(&format!("user{i}")), AWAY).unwrap();
        }
        assert!(matches!(t.begin(Some("another"), AWAY), Err(Refused::Wait(_))));
        assert!(matches!(t.begin(None, AWAY), Err(Refused::Wait(_))));
    }

    #[tokio::test]
    async fn password_checks_run_a_few_at_a_time_and_refuse_past_the_queue() {
        let t = std::sync::Arc::new(LoginThrottle::new(1));
        let running = t.check_slot().await.unwrap();
        let mut waiting = Vec::new();
        for _ in 0..MAX_WAITING {
            let t = t.clone();
            waiting.push(tokio::spawn(async move { t.check_slot().await.map(|_| ()) }));
        }
        while t.waiting.load(Ordering::SeqCst) < MAX_WAITING {
            tokio::task::yield_now().await;
        }
        assert!(matches!(t.check_slot().await, Err(Refused::Busy)), "past the queue: refused at once");
        drop(running);
        for w in waiting {
            assert_eq!(w.await.unwrap(), Ok(()), "the queued ones run in turn");
        }
    }

    #[test]
    fn tables_stay_bounded() {
        let t = LoginThrottle::new(1);
        for i in 0..(MAX_ENTRIES + 500) {
            let ip = IpAddr::V6(std::net::Ipv6Addr::from(i as u128));
            t.begin(Some(&format!("n{i}")), Some(ip)).unwrap();
        }
        let (names, clients, _) = t.sizes();
        assert!(names <= MAX_ENTRIES && clients <= MAX_ENTRIES, "{names} {clients}");
    }
}
