//! `coverage completions SHELL`: a completion script made from the clap
//! definition, so it never falls behind the flags.

use std::io::Write;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

/// Print a completion script for SHELL (bash, elvish, fish, powershell,
/// zsh); docs/cli.md says where each shell reads it from.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_name = "SHELL")]
    shell: Shell,
}

impl CompletionsArgs {
    pub fn exec(self, out: &mut dyn Write) -> anyhow::Result<()> {
        let mut command = super::App::command();
        clap_complete::generate(self.shell, &mut command, "coverage", out);
        Ok(())
    }
}
