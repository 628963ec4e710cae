fn main() -> std::process::ExitCode {
    agency_engine::cli::main()
}
