//! [`text_column!`]: how an enum stored as its text key reads from and writes to a diesel `Text`
//! column, on SQLite, PostgreSQL and the two-backend [`crate::db::DbConnection`] alike.

/// Makes an enum a diesel `Text` column type, stored as its key.
///
/// The enum needs `fn as_str(self) -> &'static str` (the stored key), `FromStr` with a
/// `Display`-able error (the parse of a stored key), and two derives:
///
/// ```text
/// #[derive(Clone, Copy, diesel::AsExpression, diesel::FromSqlRow)]
/// #[diesel(sql_type = diesel::sql_types::Text)]
/// pub enum LeadStatus { .. }
/// crate::domain::text_column!(LeadStatus);
/// ```
///
/// Then `Queryable` structs hold the enum where they held a `String`, and `column.eq(value)`
/// takes it as it is. The impls are generic over the backend, with the bound that `String` reads
/// and `str` writes `Text` on it: so they hold for `Sqlite`, `Pg` and the `MultiBackend` of
/// `#[derive(MultiConnection)]`, which forwards a `Text` value to the backend in use. A stored
/// text that is not a key is a deserialisation error (a `diesel::result::Error`), never a panic.
#[macro_export]
macro_rules! text_column {
    ($ty:ty) => {
        impl<DB> ::diesel::deserialize::FromSql<::diesel::sql_types::Text, DB> for $ty
        where
            DB: ::diesel::backend::Backend,
            String: ::diesel::deserialize::FromSql<::diesel::sql_types::Text, DB>,
        {
            fn from_sql(
                bytes: <DB as ::diesel::backend::Backend>::RawValue<'_>,
            ) -> ::diesel::deserialize::Result<Self> {
                let text = <String as ::diesel::deserialize::FromSql<::diesel::sql_types::Text, DB>>::from_sql(bytes)?;
                text.parse::<$ty>()
                    .map_err(|e| format!("{} column holds {text:?}: {e}", stringify!($ty)).into())
            }
        }

        impl<DB> ::diesel::serialize::ToSql<::diesel::sql_types::Text, DB> for $ty
        where
            DB: ::diesel::backend::Backend,
            str: ::diesel::serialize::ToSql<::diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut ::diesel::serialize::Output<'b, '_, DB>) -> ::diesel::serialize::Result {
                <str as ::diesel::serialize::ToSql<::diesel::sql_types::Text, DB>>::to_sql(self.as_str(), out)
            }
        }
    };
}
pub use text_column;

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Text;
    use diesel::SqliteConnection;

    use crate::db::DbConnection;
    use crate::domain::ProductLine;

    diesel::table! {
        text_column_probe (id) {
            id -> Integer,
            product -> Text,
            maybe -> Nullable<Text>,
        }
    }

    #[derive(Debug, PartialEq, Queryable, Selectable, Insertable)]
    #[diesel(table_name = text_column_probe)]
    struct Probe {
        id: i32,
        product: ProductLine,
        maybe: Option<ProductLine>,
    }

    fn probe_table() -> DbConnection {
        let mut conn = DbConnection::Sqlite(SqliteConnection::establish(":memory:").unwrap());
        diesel::sql_query("CREATE TABLE text_column_probe (id INTEGER PRIMARY KEY, product TEXT NOT NULL, maybe TEXT)")
            .execute(&mut conn)
            .unwrap();
        conn
    }

    #[test]
    fn enum_round_trips_through_a_text_column_of_the_two_backend_connection() {
        let mut conn = probe_table();
        let rows: Vec<Probe> = ProductLine::ALL
            .into_iter()
            .enumerate()
            .map(|(i, p)| Probe {
                id: i as i32,
                product: p,
                maybe: (i % 2 == 0).then_some(p),
            })
            .collect();
        for row in &rows {
            diesel::insert_into(text_column_probe::table)
                .values(row)
                .execute(&mut conn)
                .unwrap();
        }
        let back: Vec<Probe> = text_column_probe::table
            .order(text_column_probe::id)
            .select(Probe::as_select())
            .load(&mut conn)
            .unwrap();
        assert_eq!(back, rows);
        // Stored as the key, and a filter takes the enum as it is.
        let stored: Vec<String> = text_column_probe::table
            .filter(text_column_probe::product.eq(ProductLine::PartD))
            .select(diesel::dsl::sql::<Text>("product"))
            .load(&mut conn)
            .unwrap();
        assert_eq!(stored, ["part_d"]);
    }

    #[test]
    fn text_that_is_no_key_is_an_error_not_a_panic() {
        let mut conn = probe_table();
        diesel::sql_query("INSERT INTO text_column_probe (id, product) VALUES (1, 'medicare')")
            .execute(&mut conn)
            .unwrap();
        let read = text_column_probe::table
            .select(text_column_probe::product)
            .load::<ProductLine>(&mut conn);
        let err = read.expect_err("an unknown key must not read");
        assert!(matches!(err, diesel::result::Error::DeserializationError(_)), "{err:?}");
        let mut chain = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(e) = source {
            chain.push_str(&format!(": {e}"));
            source = e.source();
        }
        assert!(chain.contains("ProductLine column holds \"medicare\""), "{chain}");
    }
}
