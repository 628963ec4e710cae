// mimalloc instead of glibc's malloc: lead list pages took half the time with it at 1,000,000
// leads. Two of its options are set at start so that memory a request freed goes back to the
// system at once instead of staying with the thread that freed it (the server has a dozen or more
// threads: HTTP workers, database readers, the SQLite writer); bench/README.md has the figures.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit` and `mi_option_purge_delay` in mimalloc v3's `mi_option_e`.
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> std::process::ExitCode {
    // SAFETY: plain setters of mimalloc's global options, called before any other thread starts.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
    }
    agency_engine::cli::main()
}
