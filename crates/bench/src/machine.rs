//! What the benchmark ran on: processor, cores, compiler and the versions compared.

use std::process::Command;

/// The versions of cedar-policy and casbin, read from Cargo.lock by the build script.
pub const CEDAR_VERSION: &str = env!("ROSTER_BENCH_CEDAR_VERSION");
/// See [`CEDAR_VERSION`].
pub const CASBIN_VERSION: &str = env!("ROSTER_BENCH_CASBIN_VERSION");
/// Roster's own version (the workspace's, shared by the engine and this crate).
pub const ROSTER_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The machine and toolchain.
pub struct Machine {
    /// The processor's model name, from `/proc/cpuinfo`.
    pub cpu: String,
    /// Logical cores available to this process.
    pub cores: usize,
    /// `rustc -V`, or a note that it could not be run.
    pub rustc: String,
    /// The operating system and architecture this binary was built for.
    pub target: String,
}

impl Machine {
    /// Looks at the machine; every part falls back to "unknown".
    pub fn detect() -> Machine {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                let line = info.lines().find(|l| l.starts_with("model name"))?;
                Some(line.split_once(':')?.1.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown".to_owned());
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        let rustc = Command::new("rustc")
            .arg("-V")
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
            .unwrap_or_else(|| "unknown (rustc -V failed)".to_owned());
        let target = format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS);
        Machine {
            cpu,
            cores,
            rustc,
            target,
        }
    }
}
