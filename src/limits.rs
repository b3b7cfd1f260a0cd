//! Rate limits, in memory, per instance: requests per client address, per token, and failed
//! authentications per client address. Each is a GCRA bucket per key (`governor`): it holds a
//! minute's worth of requests and refills evenly over the minute.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Requests per minute for each kind of limit; none means unlimited.
#[derive(Clone, Copy, Debug)]
pub struct RatePolicy {
    pub per_address: Option<NonZeroU32>,
    pub per_token: Option<NonZeroU32>,
    pub failed_authentication: Option<NonZeroU32>,
}

/// The limiters of one running instance.
pub struct RateLimits {
    per_address: Option<DefaultKeyedRateLimiter<IpAddr>>,
    per_token: Option<DefaultKeyedRateLimiter<String>>,
    failed_authentication: Option<DefaultKeyedRateLimiter<IpAddr>>,
    clock: DefaultClock,
}

fn keyed<K>(per_minute: Option<NonZeroU32>) -> Option<DefaultKeyedRateLimiter<K>>
where
    K: std::hash::Hash + Eq + Clone,
{
    per_minute.map(|n| RateLimiter::keyed(Quota::per_minute(n)))
}

/// A refusal: how long until the next request would be let through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wait(pub Duration);

impl Wait {
    /// Whole seconds, rounded up, at least one: what `Retry-After` says.
    pub fn seconds(self) -> u64 {
        let whole = self.0.as_secs() + u64::from(self.0.subsec_nanos() > 0);
        whole.max(1)
    }
}

impl RateLimits {
    pub fn new(policy: RatePolicy) -> RateLimits {
        RateLimits {
            per_address: keyed(policy.per_address),
            per_token: keyed(policy.per_token),
            failed_authentication: keyed(policy.failed_authentication),
            clock: DefaultClock::default(),
        }
    }

    /// Counts a request from `address`.
    pub fn address(&self, address: IpAddr) -> Result<(), Wait> {
        self.check(self.per_address.as_ref(), &address)
    }

    /// Counts a request authenticated by `token_id`.
    pub fn token(&self, token_id: &str) -> Result<(), Wait> {
        self.check(self.per_token.as_ref(), &token_id.to_owned())
    }

    /// Counts a token from `address` that did not authenticate.
    pub fn failed_authentication(&self, address: IpAddr) -> Result<(), Wait> {
        self.check(self.failed_authentication.as_ref(), &address)
    }

    /// Forgets keys whose buckets are full again, so that the maps hold only recent callers.
    pub fn forget_idle(&self) {
        for limiter in [&self.per_address, &self.failed_authentication]
            .into_iter()
            .flatten()
        {
            limiter.retain_recent();
        }
        if let Some(limiter) = &self.per_token {
            limiter.retain_recent();
        }
    }

    fn check<K>(&self, limiter: Option<&DefaultKeyedRateLimiter<K>>, key: &K) -> Result<(), Wait>
    where
        K: std::hash::Hash + Eq + Clone,
    {
        match limiter.map(|l| l.check_key(key)) {
            None | Some(Ok(())) => Ok(()),
            Some(Err(not_until)) => Err(Wait(not_until.wait_time_from(self.clock.now()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_holds_a_minutes_worth_and_says_how_long_to_wait() {
        let limits = RateLimits::new(RatePolicy {
            per_address: None,
            per_token: NonZeroU32::new(3),
            failed_authentication: NonZeroU32::new(1),
        });
        for _ in 0..3 {
            assert_eq!(limits.token("a"), Ok(()));
        }
        let Err(wait) = limits.token("a") else {
            panic!("the fourth request in a minute is refused");
        };
        // One request comes back every twenty seconds.
        assert!((1..=20).contains(&wait.seconds()), "{wait:?}");
        assert_eq!(limits.token("b"), Ok(()), "each token has its own bucket");
        let here = IpAddr::from([10, 0, 0, 1]);
        assert_eq!(limits.failed_authentication(here), Ok(()));
        assert!(limits.failed_authentication(here).is_err());
        assert_eq!(limits.address(here), Ok(()), "no limit set: unlimited");
    }

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(Wait(Duration::from_millis(1)).seconds(), 1);
        assert_eq!(Wait(Duration::from_millis(2001)).seconds(), 3);
        assert_eq!(Wait(Duration::ZERO).seconds(), 1);
    }
}
