//! The server under test: started from the release binary on a free loopback port, with the
//! bench settings, and stopped (or killed) by the tool.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

/// How to start the server: the binary, the database and the data folder.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub bin: PathBuf,
    pub database_url: String,
    pub data_dir: PathBuf,
}

impl ServerConfig {
    /// The environment of both the server and the `create-api-token` command.
    fn apply_env(&self, cmd: &mut Command) {
        cmd.env("DATABASE_URL", &self.database_url)
            .env("AE_DATA_DIR", &self.data_dir)
            .env("AE_API_RATE_PER_SECOND", "1000000")
            .env("AE_LOGIN_RATE_PER_MINUTE", "100000")
            .env("AE_BENCH_ENDPOINTS", "1")
            .env("RUST_LOG", "warn");
    }

    /// Runs `agency-engine <args>` on the benchmark's database; its exit status, stdout and stderr.
    pub fn command(&self, args: &[&str]) -> anyhow::Result<(std::process::ExitStatus, String, String)> {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args);
        self.apply_env(&mut cmd);
        let out = cmd
            .output()
            .with_context(|| format!("could not run {}", self.bin.display()))?;
        Ok((
            out.status,
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    }

    /// Runs `agency-engine create-api-token --name bench` and reads the token from its stdout.
    pub fn create_api_token(&self) -> anyhow::Result<String> {
        let (status, stdout, stderr) = self.command(&["create-api-token", "--name", "bench"])?;
        // The command prints the token alone on a line of stdout (the explanation goes to stderr).
        let token = stdout
            .lines()
            .map(str::trim)
            .find(|l| l.len() >= 20 && !l.contains(char::is_whitespace));
        match token {
            Some(t) if status.success() => Ok(t.to_string()),
            _ => bail!(
                "no API token in the output of `create-api-token` ({status}).\nstdout:\n{stdout}\nstderr:\n{stderr}"
            ),
        }
    }
}

/// A running server. Dropping it stops it.
pub struct Server {
    child: Child,
    pub base_url: String,
    log: PathBuf,
    /// From spawn to the first 200 of `/healthz`.
    pub startup: Duration,
}

impl Server {
    pub async fn start(config: &ServerConfig) -> anyhow::Result<Server> {
        if !config.bin.is_file() {
            bail!(
                "no server binary at {}: build it with `cargo build --release` (bench/run.sh does), or give --server",
                config.bin.display()
            );
        }
        let port = free_port()?;
        let log = config.data_dir.join(format!("server-{port}.log"));
        let out = File::create(&log).with_context(|| format!("could not create {}", log.display()))?;
        let mut cmd = Command::new(&config.bin);
        cmd.arg("serve")
            .env("AE_BIND", format!("127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out);
        config.apply_env(&mut cmd);
        let started = Instant::now();
        let child = cmd
            .spawn()
            .with_context(|| format!("could not start {}", config.bin.display()))?;
        let mut server = Server {
            child,
            base_url: format!("http://127.0.0.1:{port}"),
            log,
            startup: Duration::ZERO,
        };
        server.wait_healthy(started).await?;
        server.startup = started.elapsed();
        Ok(server)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    async fn wait_healthy(&mut self, started: Instant) -> anyhow::Result<()> {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(2))
            .build()?;
        let url = format!("{}/healthz", self.base_url);
        // Migrations of a large database can take a while; an empty one takes well under a second.
        while started.elapsed() < Duration::from_secs(120) {
            if let Some(status) = self.child.try_wait()? {
                bail!("the server exited ({status}) before answering:\n{}", self.log_tail());
            }
            if let Ok(r) = client.get(&url).send().await {
                if r.status().is_success() {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        bail!("the server did not answer /healthz within 120 s:\n{}", self.log_tail())
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// SIGKILL, as a crash would: no shutdown, no flush.
    pub fn kill(&mut self) -> anyhow::Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }

    /// SIGTERM (through `kill`, the tool has no libc), then SIGKILL after 10 s.
    pub fn stop(mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.terminate();
    }
}

fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("no free loopback port")?;
    Ok(listener.local_addr()?.port())
}

/// Peak memory of a process, sampled from /proc/<pid>/status.
#[derive(Debug, Default, Clone, Copy)]
pub struct Memory {
    /// Highest VmRSS seen by the sampler, kB.
    pub rss_kb: u64,
    /// VmHWM (the kernel's own peak RSS) at the last sample, kB.
    pub hwm_kb: u64,
}

impl Memory {
    pub fn peak_mb(&self) -> f64 {
        self.rss_kb.max(self.hwm_kb) as f64 / 1024.0
    }
}

/// Samples a process's memory every 100 ms until stopped or the process is gone.
pub struct MemorySampler {
    stop: Arc<AtomicBool>,
    rss: Arc<AtomicU64>,
    hwm: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl MemorySampler {
    pub fn start(pid: u32) -> MemorySampler {
        let stop = Arc::new(AtomicBool::new(false));
        let (rss, hwm) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let (s, r, h) = (stop.clone(), rss.clone(), hwm.clone());
        let path = PathBuf::from(format!("/proc/{pid}/status"));
        let task = tokio::spawn(async move {
            while !s.load(Ordering::Relaxed) {
                let Some((now_rss, now_hwm)) = read_status(&path) else {
                    break;
                };
                r.fetch_max(now_rss, Ordering::Relaxed);
                h.fetch_max(now_hwm, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        MemorySampler { stop, rss, hwm, task }
    }

    pub async fn finish(self) -> Memory {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.task.await;
        Memory {
            rss_kb: self.rss.load(Ordering::Relaxed),
            hwm_kb: self.hwm.load(Ordering::Relaxed),
        }
    }
}

/// (VmRSS, VmHWM) in kB.
fn read_status(path: &Path) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(path).ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = text.lines().find(|l| l.starts_with(name))?;
        line[name.len()..].split_whitespace().next()?.parse().ok()
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}
