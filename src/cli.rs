//! The command line: one binary, `leadrelay`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[cfg(test)]
mod docs_check;

/// Website forms and webhooks in, Agencyhandy leads out.
#[derive(Debug, Parser)]
#[command(name = "leadrelay", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service.
    Serve(ConfigArg),
    /// Run the service against a built-in sandbox Agencyhandy, with a sample form at `/`.
    Demo {
        /// Port to listen on.
        #[arg(long, default_value_t = 8080)]
        port: u16,
    },
    /// Validate the config and prove each workspace's path to Agencyhandy (generation, call, IDs, route), or name the fix.
    Check(ConfigArg),
    /// Inspect and operate stored leads.
    Leads {
        /// Which config (for storage).
        #[command(flatten)]
        config: ConfigArg,
        /// The operation.
        #[command(subcommand)]
        command: LeadsCommand,
    },
    /// Print the member a submission would become, or why none can be made.
    ///
    /// The explanation goes to stderr, the request body Agencyhandy would
    /// receive to stdout. Exit 0: a lead would be sent; 2: none can be made
    /// (or it would be held as spam); 1: usage errors.
    Map {
        /// The form whose settings apply.
        #[arg(long)]
        form: String,
        /// The body's content type (else a leading `Content-Type:` line, a
        /// multipart boundary, or JSON vs urlencoded from the body).
        #[arg(long)]
        content_type: Option<String>,
        /// A file holding the body (stdin when absent).
        file: Option<PathBuf>,
        /// Which config.
        #[command(flatten)]
        config: ConfigArg,
    },
    /// Exit 0 when the running service is ready (for Docker HEALTHCHECK).
    Healthcheck {
        /// The service's readiness URL; a base URL such as `http://host:8080`
        /// means its `/readyz`.
        #[arg(long, default_value = "http://127.0.0.1:8080/readyz")]
        url: String,
    },
}

/// `--config FILE`
#[derive(Debug, Clone, Args)]
pub struct ConfigArg {
    /// Config file (else LEADRELAY_CONFIG, else config/leadrelay.toml when present).
    #[arg(long, global = true)]
    pub(crate) config: Option<PathBuf>,
}

/// `leadrelay leads ...`
#[derive(Debug, Subcommand)]
pub enum LeadsCommand {
    /// List stored leads, newest first.
    List {
        /// Only this state.
        #[arg(long)]
        state: Option<String>,
        /// Only this form.
        #[arg(long)]
        form: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Print a JSON array (for scripts) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one lead with every delivery attempt.
    Show {
        /// Lead ID.
        id: String,
    },
    /// Re-queue one lead, or every lead in a state (`--state dead`).
    Retry {
        /// Lead ID.
        #[arg(required_unless_present = "state", conflicts_with = "state")]
        id: Option<String>,
        /// Every lead in this state.
        #[arg(long)]
        state: Option<String>,
    },
    /// Release a lead held as spam, or every spam lead held for one reason
    /// (`--reason captcha-unavailable`: the CAPTCHA provider did not answer).
    Release {
        /// Lead ID.
        #[arg(required_unless_present = "reason", conflicts_with = "reason")]
        id: Option<String>,
        /// Every spam lead held for this reason: honeypot, too-fast,
        /// captcha-missing, captcha-rejected, captcha-wrong-site,
        /// captcha-low-score or captcha-unavailable.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Re-run the mapping from the stored original submission with today's config
    /// (a held lead is then queued for delivery).
    Remap {
        /// Lead ID.
        #[arg(required_unless_present = "state", conflicts_with = "state")]
        id: Option<String>,
        /// Every lead in this state (`held`, `dead` …).
        #[arg(long)]
        state: Option<String>,
    },
    /// Remove a person's data (GDPR request).
    Erase {
        /// Their e-mail address.
        #[arg(long)]
        email: String,
    },
}
