//! Rate limits, in memory, per instance: requests per client address, per token, and failed
//! authentications per client address. Each is a GCRA bucket per key (`governor`): it holds a
//! minute's worth of requests and refills evenly over the minute.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use actix_web::HttpRequest;
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

/// The client's address: the connection's peer, or, when the peer is one of the trusted
/// reverse proxies, the last address in `X-Forwarded-For` that is not one of them (the one
/// the nearest trusted proxy saw; earlier entries are the client's own word). An entry that is
/// not an address ends the walk at the hop before it, so that a client cannot slip its own
/// word past a proxy that writes something else. An IPv6 client is counted by its /64, which
/// is what one subscriber holds.
pub fn client_address(request: &HttpRequest, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = request.peer_addr()?.ip().to_canonical();
    if !trusted.contains(&peer) {
        return Some(bucket(peer));
    }
    let forwarded: Vec<&str> = request
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    let mut client = peer;
    for entry in forwarded.into_iter().rev() {
        match entry.trim().parse::<IpAddr>().map(|ip| ip.to_canonical()) {
            Ok(address) if trusted.contains(&address) => client = address,
            Ok(address) => return Some(bucket(address)),
            Err(_) => break,
        }
    }
    Some(bucket(client))
}

/// The key an address is counted under: itself for IPv4, its /64 for IPv6.
fn bucket(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(std::net::Ipv6Addr::from(prefix))
        }
        v4 => v4,
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

#[cfg(test)]
mod address_tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn address(peer: &str, forwarded: Option<&str>, trusted: &[&str]) -> Option<IpAddr> {
        let mut request = TestRequest::default().peer_addr(peer.parse().expect("peer"));
        if let Some(chain) = forwarded {
            request = request.insert_header(("X-Forwarded-For", chain));
        }
        let trusted: Vec<IpAddr> = trusted.iter().map(|a| a.parse().expect("ip")).collect();
        client_address(&request.to_http_request(), &trusted)
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().expect("ip"))
    }

    #[test]
    fn the_client_is_the_peer_or_what_trusted_proxies_saw() {
        // Not behind a trusted proxy: the header is the client's own word.
        assert_eq!(address("10.0.0.3:1", Some("1.2.3.4"), &[]), ip("10.0.0.3"));
        // Behind two trusted proxies: the last address neither of them is.
        assert_eq!(
            address(
                "10.0.0.9:1",
                Some("6.6.6.6, 1.2.3.4, 10.0.0.8"),
                &["10.0.0.9", "10.0.0.8"]
            ),
            ip("1.2.3.4")
        );
        // An entry that is not an address ends the walk: what lies left of it is not trusted.
        assert_eq!(
            address("10.0.0.9:1", Some("6.6.6.6, 1.2.3.4:5678"), &["10.0.0.9"]),
            ip("10.0.0.9")
        );
        // An IPv4 peer on a dual-stack socket is still the IPv4 proxy.
        assert_eq!(
            address("[::ffff:10.0.0.9]:1", Some("1.2.3.4"), &["10.0.0.9"]),
            ip("1.2.3.4")
        );
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_64() {
        assert_eq!(
            address("[2001:db8:1:2:aaaa::1]:1", None, &[]),
            address("[2001:db8:1:2:bbbb::7]:1", None, &[])
        );
        assert_ne!(
            address("[2001:db8:1:2::1]:1", None, &[]),
            address("[2001:db8:1:3::1]:1", None, &[])
        );
    }
}
