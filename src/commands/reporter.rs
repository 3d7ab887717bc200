//! Prints diagnostics: miette's graphical report, coloured only on a terminal. This is where a
//! plan's errors meet the plan's text: each error is rendered with the plan's named source.

use std::io::IsTerminal;

use miette::{GraphicalReportHandler, GraphicalTheme};

use crate::cli::ColorChoice;
use crate::commands::error::{Closing, CommandError};
use crate::commands::render;
use crate::plan::error::{Origin, PlanErrors};
use crate::plan::source::PlanSource;

pub struct Reporter {
    color: bool,
}

impl Reporter {
    pub fn new(choice: ColorChoice) -> Self {
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
            }
        };
        Self { color }
    }

    /// The errors, their spans shown in `plan` (or in the source the error names): the first
    /// `render::SHOWN` in full, then how many more; plan text escaped (see `render`).
    pub fn render(&self, errors: &PlanErrors, plan: Option<&PlanSource>) -> String {
        let theme = if self.color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
        let named = plan.map(|plan| render::safe_source(&plan.named()));
        let mut out = String::new();
        for error in errors.0.iter().take(render::SHOWN) {
            let text = match &error.origin {
                Origin::Plan => named.as_ref(),
                Origin::Named(own) => Some(own),
                Origin::Nowhere => None,
            };
            let safe = render::safe_error(error, text);
            let _ = handler.render_report(&mut out, &safe.located(named.as_ref()));
            out.push('\n');
        }
        out.push_str(&render::more_line(errors.0.len()));
        out
    }

    pub fn error(&self, message: &str) {
        if self.color {
            crate::errln!("\x1b[31merror\x1b[0m: {}", render::escape_controls(message));
        } else {
            crate::errln!("error: {}", render::escape_controls(message));
        }
    }

    /// Reports a command's failure on stderr (the `lint` summary on stdout, after its lines).
    pub fn report(&self, failure: &CommandError) {
        match failure {
            CommandError::Usage(message)
            | CommandError::Io(message)
            | CommandError::Failed(message) => self.error(message),
            CommandError::Plan {
                errors,
                source,
                closing,
            } => {
                crate::err!("{}", self.render(errors, source.as_ref()));
                match (closing, source) {
                    (Closing::Counted, Some(source)) => {
                        let count = errors.0.len();
                        crate::errln!(
                            "error: {count} {} in {}; nothing was written",
                            if count == 1 { "problem" } else { "problems" },
                            source.path
                        );
                    }
                    (Closing::NothingWritten, _) => crate::errln!("error: nothing was written"),
                    _ => {}
                }
            }
            CommandError::OutOfDate { count, total, plan } => crate::errln!(
                "{count} of {total} generated files {} out of date; run `bakeplan compile {plan}`",
                if *count == 1 { "is" } else { "are" }
            ),
            CommandError::BuildFailed(services) if services.is_empty() => {
                self.error("the build failed (see buildx's output above)");
            }
            CommandError::BuildFailed(services) => {
                self.error(&format!("the build failed: {}", services.join(", ")));
            }
            CommandError::LintWarnings(count) => crate::outln!("{count} warnings"),
        }
    }

    pub fn warning(&self, message: &str) {
        if self.color {
            crate::errln!(
                "\x1b[33mwarning\x1b[0m: {}",
                render::escape_controls(message)
            );
        } else {
            crate::errln!("warning: {}", render::escape_controls(message));
        }
    }
}
