//! Prints diagnostics: miette's graphical report, coloured only on a terminal.

use std::io::IsTerminal;

use miette::{GraphicalReportHandler, GraphicalTheme};

use crate::cli::ColorChoice;
use crate::plan::error::PlanErrors;

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

    pub fn render(&self, errors: &PlanErrors) -> String {
        let theme = if self.color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
        let mut out = String::new();
        for error in &errors.0 {
            let _ = handler.render_report(&mut out, error);
            out.push('\n');
        }
        out
    }

    pub fn error(&self, message: &str) {
        if self.color {
            eprintln!("\x1b[31merror\x1b[0m: {message}");
        } else {
            eprintln!("error: {message}");
        }
    }

    pub fn warning(&self, message: &str) {
        if self.color {
            eprintln!("\x1b[33mwarning\x1b[0m: {message}");
        } else {
            eprintln!("warning: {message}");
        }
    }
}
