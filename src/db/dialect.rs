//! What the two engines say differently, or what the multi-engine connection cannot express.

/// `INSERT … ON CONFLICT DO NOTHING`, returning the number of rows inserted (0 on a clash).
///
/// The multi-engine connection cannot build an `ON CONFLICT` clause, but both engines accept the
/// same statement, so it runs on the inner connection. Catching a unique violation instead would
/// abort the caller's whole transaction on PostgreSQL.
macro_rules! insert_or_ignore {
    ($conn:expr, $table:expr, $values:expr) => {
        $crate::db::dialect::execute_on_engine!(
            $conn,
            diesel::insert_into($table)
                .values($values)
                .on_conflict_do_nothing()
        )
    };
}

/// Executes a statement the multi-engine connection cannot build (`ON CONFLICT`, multi-row
/// `INSERT`) on the connection of the engine in use; both engines accept the same SQL.
macro_rules! execute_on_engine {
    ($conn:expr, $statement:expr) => {{
        let statement = $statement;
        match $conn {
            $crate::db::DbConnection::Postgres(c) => diesel::RunQueryDsl::execute(statement, c),
            $crate::db::DbConnection::Sqlite(c) => diesel::RunQueryDsl::execute(statement, c),
        }
    }};
}

pub(crate) use {execute_on_engine, insert_or_ignore};

/// `pattern` for `LIKE … ESCAPE '\'` matching `text` anywhere, with the wildcards in it escaped.
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

diesel::define_sql_function! {
    /// SQL `lower()`, which both engines have.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}
