//! The built binary's `emulator` as a process of its own, its connection string read from the banner.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running `acs-interop emulator`; killed when dropped.
pub struct EmulatorProcess {
    pub child: Child,
    /// As the banner printed it.
    pub connection: String,
    /// The banner's lines.
    pub banner: Vec<String>,
}

impl EmulatorProcess {
    /// Starts `acs-interop emulator ARGS`, its standard error going to `stderr`, and waits for the
    /// banner's connection string. Standard output is drained afterwards, so the child never blocks
    /// on a full pipe.
    pub fn start<I, S>(args: I, stderr: Stdio) -> EmulatorProcess
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut child = Command::new(env!("CARGO_BIN_EXE_acs-interop"))
            .arg("emulator")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("the emulator binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let mut banner = Vec::new();
        let mut connection = None;
        // The banner ends with how to stop the emulator.
        while !banner
            .last()
            .is_some_and(|l: &String| l.starts_with("Press Ctrl-C"))
        {
            let line = lines
                .next()
                .expect("the emulator prints its banner")
                .expect("the banner is text");
            if let Some(cs) = line.trim().strip_prefix("connection string") {
                connection = Some(cs.trim().to_string());
            }
            banner.push(line);
        }
        std::thread::spawn(move || for _ in lines {});
        EmulatorProcess {
            child,
            connection: connection.expect("the banner has a connection string"),
            banner,
        }
    }

    /// The banner's connection string, parsed.
    pub fn connection_string(&self) -> acs_interop::acs::connection_string::ConnectionString {
        acs_interop::acs::connection_string::ConnectionString::parse(&self.connection)
            .expect("the banner's connection string parses")
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
