//! The `consult` command: serve the API, migrate, load the demo data, manage tokens and the
//! working-day calendar, back up.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use consult::app;
use consult::cli::{self, TokenHolder};
use consult::clock::Clock;
use consult::config::Config;
use consult::db::{Db, agency};
use consult::domain::role::Role;
use consult::email::delivery::Mailer;
use consult::routes::DOCS_PATH;
use consult::seed;
use consult::state::AppState;

/// Runs the consultation round on a draft policy document.
#[derive(Parser)]
#[command(name = "consult", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the API (migrates first; loads the demo data into an empty database).
    Serve {
        /// Do not load the demo data.
        #[arg(long)]
        no_demo: bool,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Load the demo data from seeds/ (agencies already there are left alone).
    Seed,
    /// Copy the SQLite database to FILE while the service runs.
    Backup { file: String },
    /// Create, list and revoke API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Issue a new claim code for a request whose letter went out and print it, alone, on stdout,
    /// for handing over by phone or in person (nothing is emailed); the earlier code stops
    /// working.
    Claim {
        /// The request's id.
        request: String,
        /// When the code stops working (YYYY-MM-DD, Asia/Shanghai, or RFC 3339); the request's
        /// deadline plus the configured grace unless given.
        #[arg(long)]
        expires: Option<String>,
    },
    /// Work with drafts.
    Draft {
        #[command(subcommand)]
        command: DraftCommand,
    },
    /// The working-day calendar: the State Council's holiday notices, one per year.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Load (or replace) the years of a calendar file, in the format of seeds/calendar.json.
    Import { file: String },
    /// Show a year as deadlines count it: its notice, or provisional statutory holidays.
    Show { year: i32 },
}

#[derive(Subcommand)]
enum DraftCommand {
    /// Read a draft from plain text or JSON as the next version of a document, and summarise it.
    Import {
        /// The file: plain text in the usual layout, or JSON {"title", "label", "clauses"}.
        file: String,
        /// Add the version to this document (by id) instead of starting a new one.
        #[arg(long)]
        document: Option<String>,
        /// Title of the new document; the file's own title otherwise.
        #[arg(long, conflicts_with = "document")]
        title: Option<String>,
        /// Label of the version (征求意见稿 unless given or in the file).
        #[arg(long)]
        label: Option<String>,
        /// Publish the version right away.
        #[arg(long)]
        publish: bool,
        /// With --publish: publish despite unfilled figures, for this reason.
        #[arg(long, requires = "publish")]
        placeholder_override: Option<String>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it, alone, on stdout (it is not shown again).
    Create {
        /// admin or drafter (agency tokens are made with --agency).
        #[arg(long, value_parser = ["admin", "drafter"], required_unless_present = "agency", conflicts_with = "agency")]
        role: Option<String>,
        /// The code of the agency the token answers for.
        #[arg(long)]
        agency: Option<String>,
        /// Who uses the token: a person or a system.
        #[arg(long)]
        name: String,
        /// Where digests go (admin and drafter tokens).
        #[arg(long, conflicts_with = "agency")]
        email: Option<String>,
        /// Last day of validity (YYYY-MM-DD, Asia/Shanghai) or an RFC 3339 time.
        #[arg(long)]
        expires: Option<String>,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by id.
    Revoke { id: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<(), String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    let opened = match command {
        Command::Serve { .. } => Db::open(&config.database_url, config.db_pool_size),
        _ => Db::open_for_command(&config.database_url),
    };
    let (db, applied) = opened.map_err(|e| e.to_string())?;
    for name in &applied {
        tracing::info!(migration = %name, "applied migration");
    }
    let clock = Clock::System;
    match command {
        Command::Serve { no_demo } => serve(config, db, clock, no_demo),
        Command::Migrate => {
            println!("{} migration(s) applied", applied.len());
            Ok(())
        }
        Command::Seed => {
            let report = seed::load_demo(&db, clock.now()).map_err(|e| e.to_string())?;
            println!(
                "{} agencies added, {} already present; demo draft {}",
                report.agencies_added,
                report.agencies_present,
                if report.draft_added {
                    "added"
                } else {
                    "already present"
                }
            );
            Ok(())
        }
        Command::Backup { file } => {
            cli::backup(&db, &file).map_err(|e| e.to_string())?;
            println!("backed up to {file}");
            Ok(())
        }
        Command::Token { command } => token(command, &db, &clock),
        Command::Claim { request, expires } => {
            let code = cli::hand_out_claim(&db, &request, expires.as_deref(), clock.now())
                .map_err(|e| e.to_string())?;
            println!("{code}");
            Ok(())
        }
        Command::Calendar {
            command: CalendarCommand::Import { file },
        } => {
            print!(
                "{}",
                cli::import_calendar(&db, &file, clock.now()).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        Command::Calendar {
            command: CalendarCommand::Show { year },
        } => {
            print!(
                "{}",
                cli::show_calendar(&db, year).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        Command::Draft {
            command:
                DraftCommand::Import {
                    file,
                    document,
                    title,
                    label,
                    publish,
                    placeholder_override,
                },
        } => {
            let options = cli::ImportOptions {
                document,
                title,
                label,
                publish,
                placeholder_override,
            };
            let summary =
                cli::import_draft(&db, &file, options, clock.now()).map_err(|e| e.to_string())?;
            print!("{summary}");
            Ok(())
        }
    }
}

fn token(command: TokenCommand, db: &Db, clock: &Clock) -> Result<(), String> {
    match command {
        TokenCommand::Create {
            role,
            agency,
            name,
            email,
            expires,
        } => {
            let holder = match (agency, role.as_deref().and_then(Role::parse)) {
                (Some(code), _) => TokenHolder::Agency { code },
                (None, Some(role)) => TokenHolder::Staff { role, email },
                (None, None) => return Err("give --role admin|drafter or --agency CODE".into()),
            };
            let secret = cli::create_token(db, holder, &name, expires.as_deref(), clock.now())
                .map_err(|e| e.to_string())?;
            println!("{secret}");
        }
        TokenCommand::List => print!(
            "{}",
            cli::list_tokens(db, clock.now()).map_err(|e| e.to_string())?
        ),
        TokenCommand::Revoke { id } => {
            cli::revoke_token(db, &id, clock.now()).map_err(|e| e.to_string())?;
            println!("revoked {id}");
        }
    }
    Ok(())
}

fn serve(config: Config, db: Db, clock: Clock, no_demo: bool) -> Result<(), String> {
    let mailer = match &config.smtp {
        Some(smtp) => Some(
            Mailer::from_url(
                &smtp.url,
                &smtp.from,
                std::time::Duration::from_secs(smtp.timeout_seconds),
            )?
            .serving(&config.public_url),
        ),
        None => None,
    };
    let empty = db
        .read_now(|conn| agency::count(conn).map_err(cli::CommandError::from))
        .map_err(|e| e.to_string())?
        == 0;
    if empty && !no_demo {
        let report = seed::load_demo(&db, clock.now()).map_err(|e| e.to_string())?;
        println!(
            "loaded the demo data: {} agencies{}",
            report.agencies_added,
            if report.draft_added {
                " and the demo draft"
            } else {
                ""
            }
        );
    }
    let base = format!("http://{}", config.bind);
    println!("consult on {} ({})", base, db.engine().as_str());
    println!("  health:   {base}/healthz");
    println!("  API docs: {base}{DOCS_PATH}");
    println!(
        "  email:    {}",
        if mailer.is_some() {
            "sent through SMTP_URL"
        } else {
            "kept in the outbox (set SMTP_URL and SMTP_FROM to send)"
        }
    );
    println!("  a token:  consult token create --role drafter --name NAME");
    println!("            (cargo run --release -- token create ... from a checkout)");
    let state = AppState::new(db, clock, config);
    actix_web::rt::System::new()
        .block_on(app::serve(state, mailer))
        .map_err(|e| format!("cannot serve: {e}"))
}
