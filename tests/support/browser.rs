//! The one way tests drive a browser: the system's headless Chromium through its
//! chromedriver (Debian's `chromium` and `chromium-driver`), started on a free loopback
//! port in a process group of its own and stopped by that group's id, so the browser it
//! launched goes with it and nothing else is touched. A missing browser fails the test:
//! it names `scripts/install-test-tools`, it never skips.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Where Debian installs the browser and its driver.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The browser window's width and height in CSS pixels (the screenshots' width).
pub const WINDOW: (u32, u32) = (1280, 1000);

/// A headless Chromium session.
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    driver: Driver,
}

/// The chromedriver process, its group killed when dropped.
struct Driver {
    child: Child,
    /// The browser's profile and the driver's log (removed when the test ends).
    scratch: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a fresh profile, its window
    /// [`WINDOW`] in size.
    pub async fn start() -> Browser {
        for tool in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(tool).is_file(),
                "{tool} is missing: run scripts/install-test-tools (it installs Debian's chromium and chromium-driver)"
            );
        }
        let scratch = tempfile::tempdir().unwrap();
        let port = free_port();
        let log = std::fs::File::create(scratch.path().join("chromedriver.log")).unwrap();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{CHROMEDRIVER}: {e}; run scripts/install-test-tools"));
        // Held before connecting, so a failed session still stops the driver.
        let driver = Driver { child, scratch };
        let client = connect(port, &driver.scratch).await;
        client.set_window_size(WINDOW.0, WINDOW.1).await.unwrap();
        Browser { client, driver }
    }

    /// Saves a PNG of the whole page as `target/console-screenshots/<name>.png` (kept
    /// after the test) and prints its path. The window grows to the page's height for
    /// the shot (WebDriver shoots the viewport only).
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let height = self.client.execute("return document.documentElement.scrollHeight;", vec![]).await.unwrap();
        let height = height.as_u64().expect("a page height").clamp(WINDOW.1 as u64, 8000) as u32;
        // The window's outer height: the page's, and room for the browser's own frame.
        self.client.set_window_size(WINDOW.0, height + 140).await.unwrap();
        let png = self.client.screenshot().await.expect("screenshot");
        self.client.set_window_size(WINDOW.0, WINDOW.1).await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
        let dir = target_dir().join("console-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        println!("screenshot: {}", path.display());
        path
    }

    /// The element with this `data-testid`, once it is on the page.
    pub async fn testid(&self, id: &str) -> Element {
        self.find(&format!("[data-testid=\"{id}\"]")).await
    }

    /// The element matching a CSS selector, once it is on the page.
    pub async fn find(&self, css: &str) -> Element {
        let client = &self.client;
        crate::wait_for(crate::LIVENESS, &format!("an element {css}"), || async move {
            client.find(Locator::Css(css)).await.ok()
        })
        .await
    }

    /// Clicks the element with this `data-testid`.
    pub async fn click(&self, id: &str) {
        self.testid(id).await.click().await.unwrap_or_else(|e| panic!("click {id}: {e}"));
    }

    /// Replaces the text in the field with this `data-testid`.
    pub async fn fill(&self, id: &str, text: &str) {
        let field = self.testid(id).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Chooses the option with `value` in the select with this `data-testid`, once
    /// the page has put that option there.
    pub async fn choose(&self, id: &str, value: &str) {
        self.find(&format!("[data-testid=\"{id}\"] option[value=\"{value}\"]")).await;
        self.testid(id).await.select_by_value(value).await.unwrap_or_else(|e| panic!("choose {value} in {id}: {e}"));
    }

    /// Waits until the visible text of the element matching `css` contains `want`;
    /// returns that text.
    pub async fn wait_text(&self, css: &str, want: &str) -> String {
        let client = &self.client;
        crate::wait_for(crate::LIVENESS, &format!("{css} to show {want:?}"), || async move {
            let text = client.find(Locator::Css(css)).await.ok()?.text().await.ok()?;
            text.contains(want).then_some(text)
        })
        .await
    }

    /// The visible text of every element matching `css`, in page order.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for e in self.client.find_all(Locator::Css(css)).await.unwrap() {
            out.push(e.text().await.unwrap());
        }
        out
    }

    /// Ends the session (the browser quits), then stops the driver.
    pub async fn finish(self) {
        let Browser { client, driver } = self;
        client.close().await.expect("close the browser session");
        drop(driver);
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let group = rustix::process::Pid::from_raw(self.child.id() as i32).expect("a child's pid");
            // The group is the driver's own (process_group(0)): it and the browser it started.
            let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
            let _ = self.child.wait();
        }
    }
}

/// Cargo's target dir: the test binary runs from `<target>/<profile>/deps/`.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).expect("a test binary under <target>/<profile>/deps").to_path_buf()
}

/// A loopback port nothing listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A WebDriver session with headless Chromium, once the driver answers.
async fn connect(port: u16, scratch: &tempfile::TempDir) -> Client {
    let profile = scratch.path().join("profile");
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-extensions", "--disable-background-networking",
                "--disable-sync", "--hide-scrollbars", format!("--user-data-dir={}", profile.display()),
            ],
        }
    });
    let serde_json::Value::Object(caps) = caps else { unreachable!() };
    let url = format!("http://127.0.0.1:{port}");
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    crate::wait_for(crate::LIVENESS, "chromedriver to listen", || async move {
        tokio::net::TcpStream::connect(addr).await.ok()
    })
    .await;
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&url)
        .await
        .unwrap_or_else(|e| panic!("a Chromium session through chromedriver: {e}"))
}
