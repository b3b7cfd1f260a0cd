//! The forms the API's downloads come in; the bodies are written by [`crate::streaming`].

/// The forms a table is downloaded in: the adoption table, the ledger.
#[derive(Clone, Copy, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = ReportFormat)]
pub enum ExportFormat {
    #[default]
    Json,
    /// UTF-8 with a byte-order mark, for spreadsheets.
    Csv,
    Xlsx,
}

impl From<ExportFormat> for crate::domain::report::TableFormat {
    fn from(format: ExportFormat) -> Self {
        use crate::domain::report::TableFormat;
        match format {
            ExportFormat::Json => TableFormat::Json,
            ExportFormat::Csv => TableFormat::Csv,
            ExportFormat::Xlsx => TableFormat::Xlsx,
        }
    }
}
