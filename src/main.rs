// mimalloc instead of glibc's malloc: lead list pages took half the time with it at 1,000,000
// leads. Memory a request frees goes back to the system at once: the purge delay is set to 0 here,
// and arenas are not committed eagerly (a build flag in .cargo/config.toml, since the first arena
// is made before `main`). Without both, peak memory over the benchmark was 131-220 MB, with them
// 80 MB (bench/README.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc v3's `mi_option_e`.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> std::process::ExitCode {
    // SAFETY: a plain setter of one of mimalloc's global options, called before any other thread starts.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
    }
    agency_engine::cli::main()
}
