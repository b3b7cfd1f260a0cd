//! What the benchmarks share: the round they measure, a scratch PostgreSQL database and the
//! process's peak memory.

pub mod fill;

/// Peak resident memory of this process, in MiB.
pub fn peak_rss_mib() -> u64 {
    status_mib("VmHWM:")
}

/// Resident memory of this process now, in MiB.
#[allow(dead_code)]
pub fn rss_mib() -> u64 {
    status_mib("VmRSS:")
}

fn status_mib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

/// A connection to the server `TEST_DATABASE_URL` names, for creating and dropping databases.
pub fn postgres_admin(url: &str) -> diesel::PgConnection {
    use diesel::Connection;
    diesel::PgConnection::establish(url).expect("connect to TEST_DATABASE_URL")
}

/// Runs SQL that must succeed.
pub fn execute(conn: &mut diesel::PgConnection, sql: &str) {
    use diesel::connection::SimpleConnection;
    conn.batch_execute(sql).expect(sql);
}
