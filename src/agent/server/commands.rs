//! IPA's command results and their registry: one command at a time (a new one while the last
//! runs is 409 "Agent is busy"), sync commands answered with their result, async ones RUNNING
//! until their thread ends; every result kept, in order, for `GET /v1/commands/`.

use crate::agent::ext::{self, CommandError, Ctx, Lookup, Mode, Params};
use serde::Serialize;
use serde_json::Value;
use std::sync::{Arc, Condvar, Mutex};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Status {
    #[serde(rename = "RUNNING")]
    Running,
    #[serde(rename = "SUCCEEDED")]
    Succeeded,
    #[serde(rename = "FAILED")]
    Failed,
    /// IPA's wording for a hardware-manager version mismatch (Ironic restarts cleaning).
    #[serde(rename = "CLEAN_VERSION_MISMATCH")]
    VersionMismatch,
}

#[derive(Debug, Clone, Serialize)]
pub struct CommandResult {
    pub id: String,
    /// The method alone (`execute_deploy_step`), as IPA names its results.
    pub command_name: String,
    pub command_status: Status,
    pub command_error: Option<CommandError>,
    pub command_result: Option<Value>,
}

pub struct Entry {
    result: Mutex<CommandResult>,
    done: Condvar,
}

impl Entry {
    pub fn snapshot(&self) -> CommandResult {
        match self.result.lock() {
            Ok(r) => r.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }
    fn finish(&self, outcome: ext::Outcome) {
        if let Ok(mut r) = self.result.lock() {
            match outcome {
                Ok(v) => {
                    r.command_status = Status::Succeeded;
                    r.command_result = Some(v);
                }
                Err(e) => {
                    r.command_status = if e.kind == "VersionMismatch" {
                        Status::VersionMismatch
                    } else {
                        Status::Failed
                    };
                    crate::agent::state::log(&format!(
                        "api: {} failed: {}",
                        r.command_name, e.details
                    ));
                    r.command_error = Some(e);
                }
            }
        }
        self.done.notify_all();
    }
    /// Blocks until the command is no longer RUNNING.
    pub fn join(&self) -> CommandResult {
        let mut r = match self.result.lock() {
            Ok(r) => r,
            Err(p) => p.into_inner(),
        };
        while r.command_status == Status::Running {
            r = match self.done.wait(r) {
                Ok(r) => r,
                Err(p) => p.into_inner(),
            };
        }
        r.clone()
    }
}

/// A refusal before any command ran: IPA's HTTP status and faultstring.
#[derive(Debug, PartialEq, Eq)]
pub struct Refused {
    pub status: u16,
    pub faultstring: String,
}

#[derive(Default)]
pub struct Commands {
    list: Mutex<Vec<Arc<Entry>>>,
}

/// A random version-4 UUID from the kernel's generator.
pub fn uuid4() -> String {
    let mut b = [0u8; 16];
    if std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut b))
        .is_err()
    {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        b = t.to_le_bytes();
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

impl Commands {
    pub fn list(&self) -> Vec<CommandResult> {
        self.list
            .lock()
            .map(|l| l.iter().map(|e| e.snapshot()).collect())
            .unwrap_or_default()
    }

    pub fn get(&self, id: &str) -> Option<Arc<Entry>> {
        let l = self.list.lock().ok()?;
        l.iter().find(|e| e.snapshot().id == id).cloned()
    }

    /// Starts `name` (`<extension>.<method>`) with `params`, as IPA's execute_command.
    pub fn execute(
        &self,
        ctx: &Arc<Ctx>,
        name: &str,
        params: Params,
    ) -> Result<Arc<Entry>, Refused> {
        let mut list = self.list.lock().map_err(|_| Refused {
            status: 500,
            faultstring: "the command list is poisoned".into(),
        })?;
        let Some((ext_name, method)) = name.split_once('.') else {
            return Err(Refused {
                status: 400,
                faultstring: "Invalid command: Command name must be of the form <extension>.<name>"
                    .into(),
            });
        };
        idle(&list)?;
        let m = resolve(ext_name, method)?;
        let entry = Arc::new(Entry {
            result: Mutex::new(CommandResult {
                id: uuid4(),
                command_name: method.to_string(),
                command_status: Status::Running,
                command_error: None,
                command_result: None,
            }),
            done: Condvar::new(),
        });
        list.push(entry.clone());
        crate::agent::state::log(&format!("api: running {name}"));
        match m.mode {
            Mode::Sync => {
                // IPA holds its command lock through a sync command
                entry.finish((m.run)(ctx, &params));
            }
            Mode::Async => {
                drop(list);
                let (e, c, run) = (entry.clone(), ctx.clone(), m.run);
                std::thread::spawn(move || e.finish(run(&c, &params)));
            }
        }
        Ok(entry)
    }
}

/// One command at a time: 409 while the last one runs.
fn idle(list: &[Arc<Entry>]) -> Result<(), Refused> {
    match list.last().map(|l| l.snapshot()) {
        Some(last) if last.command_status == Status::Running => Err(Refused {
            status: 409,
            faultstring: format!("Agent is busy: executing command {}", last.command_name),
        }),
        _ => Ok(()),
    }
}

/// The method for `<extension>.<method>`: IPA's 404 for an unknown extension, 400 for an
/// unknown method.
fn resolve(ext_name: &str, method: &str) -> Result<&'static ext::Method, Refused> {
    match ext::find(ext_name, method) {
        Lookup::Found(m) => Ok(m),
        Lookup::NoExtension => Err(Refused {
            status: 404,
            faultstring: format!("Not found: Extension with id {ext_name} not found."),
        }),
        Lookup::NoMethod => Err(Refused {
            status: 400,
            faultstring: format!("Invalid command: Unknown command: {method}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Arc<Ctx> {
        Arc::new(Ctx::new("/bin/false".into(), "/nonexistent".into()))
    }

    #[test]
    fn dispatch_and_results() {
        let (c, cmds) = (ctx(), Commands::default());
        let r = cmds
            .execute(&c, "clean.get_clean_steps", Params::new())
            .unwrap()
            .snapshot();
        assert_eq!(r.command_status, Status::Succeeded);
        assert_eq!(r.command_name, "get_clean_steps");
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["command_error"], Value::Null);
        assert_eq!(v["command_status"], "SUCCEEDED");
        assert_eq!(
            v["command_result"]["hardware_manager_version"],
            serde_json::json!({ ext::MANAGER_NAME: ext::MANAGER_VERSION })
        );
        assert_eq!(uuid4().len(), 36);
        let e = |n: &str| cmds.execute(&c, n, Params::new()).err().unwrap();
        assert_eq!(e("rescue.finalize_rescue").status, 404);
        assert_eq!(e("clean.nope").status, 400);
        assert_eq!(e("nodot").status, 400);
        // an async command that fails: FAILED with IPA's error object
        let mut p = Params::new();
        p.insert("step".into(), serde_json::json!({"step": "burnin_cpu"}));
        let r = cmds
            .execute(&c, "clean.execute_clean_step", p)
            .unwrap()
            .join();
        assert_eq!(r.command_status, Status::Failed);
        let err = r.command_error.unwrap();
        assert_eq!(err.kind, "CommandExecutionError");
        assert!(
            err.details.contains("Unknown clean step burnin_cpu"),
            "{}",
            err.details
        );
        // a version mismatch
        let mut p = Params::new();
        p.insert("step".into(), serde_json::json!({"step": "erase_devices"}));
        p.insert("clean_version".into(), serde_json::json!({"x": "9"}));
        let r = cmds
            .execute(&c, "clean.execute_clean_step", p)
            .unwrap()
            .join();
        assert_eq!(r.command_status, Status::VersionMismatch);
        assert_eq!(cmds.list().len(), 3);
        let id = cmds.list()[0].id.clone();
        assert!(cmds.get(&id).is_some());
        assert!(cmds.get("nope").is_none());
    }

    #[test]
    fn busy() {
        let (c, cmds) = (ctx(), Commands::default());
        let entry = Arc::new(Entry {
            result: Mutex::new(CommandResult {
                id: uuid4(),
                command_name: "execute_deploy_step".into(),
                command_status: Status::Running,
                command_error: None,
                command_result: None,
            }),
            done: Condvar::new(),
        });
        cmds.list.lock().unwrap().push(entry.clone());
        let r = cmds
            .execute(&c, "standby.sync", Params::new())
            .err()
            .unwrap();
        assert_eq!(r.status, 409);
        assert!(r.faultstring.contains("Agent is busy"));
        entry.finish(Ok(Value::Null));
        assert!(cmds.execute(&c, "standby.sync", Params::new()).is_ok());
    }
}
