//! Logging that never fails a request, and the functions' tracing set-up.

/// A log destination whose failures are swallowed: a closed or full stderr must never fail a
/// request (which would lose the answer to a write already stored) nor stop the process.
/// Lines that cannot be written are lost; what the store holds is not.
#[derive(Debug, Clone, Copy)]
pub struct NeverFailing<W>(pub fn() -> W);

/// The writer [`NeverFailing`] hands out.
pub struct Swallow<W>(W);

impl<W: std::io::Write> std::io::Write for Swallow<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = self.0.write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = self.0.flush();
        Ok(())
    }
}

impl<'a, W: std::io::Write + 'a> tracing_subscriber::fmt::MakeWriter<'a> for NeverFailing<W> {
    type Writer = Swallow<W>;

    fn make_writer(&'a self) -> Self::Writer {
        Swallow((self.0)())
    }
}

/// Logs to stderr that never fail the program (see [`NeverFailing`]).
pub fn stderr_logs() -> NeverFailing<std::io::Stderr> {
    NeverFailing(std::io::stderr)
}

/// Logs for Lambda, configured from `env`: JSON when `AWS_LAMBDA_LOG_FORMAT=JSON`, level
/// from `RUST_LOG` (a filter), else `AWS_LAMBDA_LOG_LEVEL`, else info.
pub fn init_lambda_tracing(env: &dyn Fn(&str) -> Option<String>) {
    let level = env("AWS_LAMBDA_LOG_LEVEL")
        .unwrap_or_else(|| "info".into())
        .to_lowercase();
    let filter = env("RUST_LOG")
        .filter(|f| !f.trim().is_empty())
        .and_then(|f| tracing_subscriber::EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| level.into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(stderr_logs())
        .log_internal_errors(false)
        .with_ansi(false)
        .without_time();
    if env("AWS_LAMBDA_LOG_FORMAT").is_some_and(|f| f.eq_ignore_ascii_case("json")) {
        builder.json().with_current_span(false).init();
    } else {
        builder.init();
    }
}
