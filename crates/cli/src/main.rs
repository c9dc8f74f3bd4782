//! The `roster` command: generate, validate, query, change and convert org documents.
//!
//! Every subcommand reads an org document (a file, or `-` for stdin), asks the engine, and
//! prints the answer. This file holds the arguments and the dispatch; `render` turns answers
//! into text, `csv` writes the user export, `input` reads files, times and actors, and
//! `output` writes to stdout.

mod csv;
mod input;
mod output;
mod render;

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use output::{document_text, print, print_bytes, print_document, to_json};
use roster_engine::compact;
use roster_engine::demo::{self, DemoSpec};
use roster_engine::text::{GroupKey, RoleKey};
use roster_engine::{Context, Org, SortKey, SortOrder, Status, SystemEntropy, UserQuery};

const EXIT_STATUS: &str = "\
Exit status: 0 on success (for `check`: allowed), 1 on any error (including bad arguments),
2 when `check` denies.";

/// Validate, query, change and convert Roster org documents.
#[derive(Debug, Parser)]
#[command(name = "roster", version, after_help = EXIT_STATUS)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Print a generated demo org document as pretty JSON (the same seed, the same org)
    Demo(DemoArgs),
    /// Check an org document and print a one-line summary of it
    Validate {
        /// The org document, or `-` for stdin
        file: PathBuf,
    },
    /// Say whether a user is allowed a permission, and why
    #[command(after_help = "Exit status: 0 when allowed, 2 when denied, 1 on errors.")]
    Check {
        /// The org document, or `-` for stdin
        file: PathBuf,
        /// The user's id, e.g. `usr_00001`
        user: String,
        /// The permission, e.g. `invitations:create`
        permission: String,
        /// Print the explanation as JSON
        #[arg(long)]
        json: bool,
    },
    /// List the permissions a user is allowed right now, marking those that need a seat
    Permissions {
        /// The org document, or `-` for stdin
        file: PathBuf,
        /// The user's id
        user: String,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// List the users allowed a permission, one id and email per line
    Holders {
        /// The org document, or `-` for stdin
        file: PathBuf,
        /// The permission, e.g. `projects:read`
        permission: String,
    },
    /// Show seats purchased, held and free
    Seats {
        /// The org document, or `-` for stdin
        file: PathBuf,
    },
    /// List one page of users as a table, then the cursor of the next page
    ///
    /// Columns: id, name, email, status, seat, and the roles held directly or through a group.
    Users(UsersArgs),
    /// Run a command (JSON) against an org and print what it changed as JSON
    Apply(ApplyArgs),
    /// Write the org as canonical JSON, its users as CSV, or the org as a compact document
    Export {
        /// The org document, or `-` for stdin
        file: PathBuf,
        /// The output format
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
    },
    /// Read and check a document (JSON or compact), then write it as canonical JSON to stdout
    Import {
        /// The org document, or `-` for stdin
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Users in all statuses
    #[arg(long, default_value_t = 20)]
    users: usize,
    /// The seed; the same seed gives the same org
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Groups [default: 6]
    #[arg(long)]
    groups: Option<usize>,
    /// Custom roles [default: 3]
    #[arg(long)]
    custom_roles: Option<usize>,
    /// Permissions the product declares besides the built-in ones [default: 8]
    #[arg(long)]
    product_permissions: Option<usize>,
    /// Seats purchased [default: 80% of the users]
    #[arg(long)]
    seats: Option<u32>,
}

#[derive(Debug, Args)]
struct UsersArgs {
    /// The org document, or `-` for stdin
    file: PathBuf,
    /// Only users in this status (repeat for several)
    #[arg(long, value_enum)]
    status: Vec<StatusArg>,
    /// Only users holding this role, directly or through a group
    #[arg(long)]
    role: Option<String>,
    /// Only direct members of this group
    #[arg(long)]
    group: Option<String>,
    /// Only users with (`true`) or without (`false`) a seat
    #[arg(long, value_name = "true|false")]
    seat: Option<bool>,
    /// Only users whose name or email contains this text, ignoring case
    #[arg(long)]
    search: Option<String>,
    /// The sort key
    #[arg(long, value_enum, default_value_t = SortArg::Name)]
    sort: SortArg,
    /// Sort in descending order
    #[arg(long)]
    desc: bool,
    /// Users per page [default: 50]
    #[arg(long)]
    limit: Option<usize>,
    /// Where to continue, from the previous page's `next cursor`
    #[arg(long)]
    cursor: Option<String>,
}

#[derive(Debug, Args)]
struct ApplyArgs {
    /// The org document, or `-` for stdin
    file: PathBuf,
    /// The command as JSON, e.g. {"command": "suspend_user", "user_id": "usr_00003"}: a file,
    /// or `-` for stdin
    command_json: PathBuf,
    /// Who acts: a user id, or `system`
    #[arg(long, value_name = "USER_ID|system")]
    actor: String,
    /// The time the command runs at (RFC 3339) [default: now]
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// Where to write the changed org document (nothing is written without it)
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Json,
    Csv,
    /// The compact binary document the API sends the element (binary, to a file or a pipe)
    Compact,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum StatusArg {
    Invited,
    Active,
    Suspended,
    Deactivated,
}

impl From<StatusArg> for Status {
    fn from(status: StatusArg) -> Status {
        match status {
            StatusArg::Invited => Status::Invited,
            StatusArg::Active => Status::Active,
            StatusArg::Suspended => Status::Suspended,
            StatusArg::Deactivated => Status::Deactivated,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SortArg {
    Name,
    Email,
    Status,
    #[value(name = "last_active")]
    LastActive,
    Created,
}

impl From<SortArg> for SortKey {
    fn from(sort: SortArg) -> SortKey {
        match sort {
            SortArg::Name => SortKey::Name,
            SortArg::Email => SortKey::Email,
            SortArg::Status => SortKey::Status,
            SortArg::LastActive => SortKey::LastActive,
            SortArg::Created => SortKey::Created,
        }
    }
}

/// Why a subcommand failed: printed as `error: …` on stderr, with exit status 1.
#[derive(Debug)]
pub(crate) struct Failure(String);

impl Failure {
    pub(crate) fn new(message: impl Into<String>) -> Failure {
        Failure(message.into())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn main() -> ExitCode {
    // Clap's own failures exit with 2, which `check` uses for a deny; keep 2 unambiguous.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(io::stderr(), "error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Cmd) -> Result<ExitCode, Failure> {
    match command {
        Cmd::Demo(args) => {
            let mut spec = DemoSpec::small(args.users, args.seed);
            spec.groups = args.groups.unwrap_or(spec.groups);
            spec.custom_roles = args.custom_roles.unwrap_or(spec.custom_roles);
            spec.product_permissions = args.product_permissions.unwrap_or(spec.product_permissions);
            spec.seats_purchased = args.seats.or(spec.seats_purchased);
            print_document(&demo::generate(&spec))?;
        }
        Cmd::Validate { file } => print(&render::summary(&load(&file)?))?,
        Cmd::Check {
            file,
            user,
            permission,
            json,
        } => {
            let org = load(&file)?;
            let why = org.explain(&user, &permission);
            if json {
                print(&to_json(&why)?)?;
            } else {
                print(&render::explanation(&user, &permission, &why))?;
            }
            if !why.is_allowed() {
                return Ok(ExitCode::from(2));
            }
        }
        Cmd::Permissions { file, user, json } => {
            let org = load(&file)?;
            let Some(record) = org.user(&user) else {
                return Err(Failure::new(format!("no user `{user}`")));
            };
            if record.status != Status::Active {
                let status = record.status.as_str();
                let _ = writeln!(
                    io::stderr(),
                    "note: `{user}` is {status}, so allowed nothing"
                );
            }
            let text = if json {
                to_json(&render::permissions_json(&org, record))?
            } else {
                render::permissions(&org, record)
            };
            print(&text)?;
        }
        Cmd::Holders { file, permission } => {
            let org = load(&file)?;
            if !org.permission_exists(&permission) {
                return Err(Failure::new(format!(
                    "no permission `{permission}` in the catalog"
                )));
            }
            print(&render::holders(&org.holders(&permission)))?;
        }
        Cmd::Seats { file } => print(&render::seats(&load(&file)?))?,
        Cmd::Users(args) => users(args)?,
        Cmd::Apply(args) => apply(args)?,
        Cmd::Export { file, format } => {
            let org = load(&file)?;
            match format {
                Format::Json => print_document(&org)?,
                Format::Csv => print(&csv::users(&org))?,
                Format::Compact => print_bytes(&org.to_compact())?,
            }
        }
        Cmd::Import { file } => print_document(&load(&file)?)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn users(args: UsersArgs) -> Result<(), Failure> {
    let org = load(&args.file)?;
    let role = match args.role {
        Some(role) => Some(RoleKey::new(role).map_err(|e| Failure::new(format!("--role: {e}")))?),
        None => None,
    };
    let group = match args.group {
        Some(g) => Some(GroupKey::new(g).map_err(|e| Failure::new(format!("--group: {e}")))?),
        None => None,
    };
    let query = UserQuery {
        status: args.status.into_iter().map(Status::from).collect(),
        role,
        group,
        seat: args.seat,
        search: args.search,
        sort: args.sort.into(),
        order: if args.desc {
            SortOrder::Desc
        } else {
            SortOrder::Asc
        },
        limit: args.limit.unwrap_or(0),
        cursor: args.cursor,
    };
    if query.limit == 0 && args.limit.is_some() {
        return Err(Failure::new("--limit: must be at least 1"));
    }
    let page = org
        .list_users(&query)
        .map_err(|e| Failure::new(format!("--{}: {}", e.field, e.reason)))?;
    print(&render::user_table(&org, &page))
}

fn apply(args: ApplyArgs) -> Result<(), Failure> {
    let stdin = Path::new("-");
    if args.file == stdin && args.command_json == stdin {
        return Err(Failure::new(
            "only one of FILE and COMMAND_JSON can be `-` (stdin)",
        ));
    }
    if args.out.as_deref() == Some(stdin) {
        return Err(Failure::new(
            "--out needs a file: stdout carries the outcome",
        ));
    }
    let mut org = load(&args.file)?;
    let command_text = input::read(&args.command_json)?;
    let refused = |e: roster_engine::CommandError| Failure::new(format!("{}: {e}", e.code()));
    let command = roster_engine::Command::from_json(&command_text).map_err(refused)?;
    let actor = input::actor(&args.actor)?;
    let now = match &args.now {
        Some(text) => input::time(text).map_err(|e| Failure::new(format!("--now: {e}")))?,
        None => input::system_now()?,
    };

    let mut entropy = SystemEntropy;
    let mut ctx = Context {
        actor,
        now,
        entropy: &mut entropy,
    };
    let outcome = org.execute(&mut ctx, &command).map_err(refused)?;

    // Save the org before printing the outcome: if saving fails, nothing claims success.
    if let Some(out) = &args.out {
        input::write_atomically(out, &document_text(&org)?)?;
    }
    print(&to_json(&outcome)?)
}

/// Reads and checks an org document, JSON or compact; a refusal names the path of the first
/// bad field.
fn load(file: &Path) -> Result<Org, Failure> {
    let bytes = input::read_bytes(file)?;
    let org = if compact::is_compact(&bytes) {
        Org::from_compact(&bytes)
    } else {
        let text = String::from_utf8(bytes)
            .map_err(|_| Failure::new(format!("`{}` is not UTF-8 text", file.display())))?;
        Org::from_json(&text)
    };
    org.map_err(|e| Failure::new(e.to_string()))
}
