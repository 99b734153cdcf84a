use std::process::ExitCode;

fn main() -> ExitCode {
    coverage::cli::main()
}
