package dev.pgfleet.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium, driven through Debian's chromedriver (both installed by ./pgfleet setup), with a
 * fresh profile. Nothing is downloaded: the driver and browser paths are given, so Selenium Manager never runs.
 * {@link #close} quits the browser and stops its chromedriver, and removes the profile.
 */
public final class Browser implements AutoCloseable {
    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    public static final int DESKTOP = 1280;
    public static final int MOBILE = 390;

    private final ChromeDriver driver;
    private final Path profile;
    private final Path screenshots;
    private final String baseUrl;

    public Browser(String baseUrl, Path screenshots) throws IOException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new IllegalStateException("the browser tests need Debian's chromium and chromium-driver: run ./pgfleet setup");
        }
        this.baseUrl = baseUrl;
        this.screenshots = Files.createDirectories(screenshots);
        this.profile = Files.createTempDirectory("pgfleet-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // Without the background-networking flags Chromium keeps trying hosts this machine cannot reach.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                "--no-first-run", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile, "--window-size=" + DESKTOP + ",900", "--lang=en-US");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort()
                .build();
        this.driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    }

    public WebDriver driver() {
        return driver;
    }

    public void open(String path) {
        driver.get(baseUrl + path);
    }

    public String path() {
        return java.net.URI.create(driver.getCurrentUrl()).getPath();
    }

    public WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    public List<WebElement> findAll(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    public <T> T await(Duration timeout, String what, Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, timeout, Duration.ofMillis(250)).withMessage(what).ignoring(RuntimeException.class)
                .until(condition);
    }

    public Object script(String js, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(js, args);
    }

    /**
     * Inputs, selects and text areas that a screen reader could not name: no label[for], no wrapping label, no
     * aria-label. Hidden inputs do not count.
     */
    @SuppressWarnings("unchecked")
    public List<String> unlabelledInputs() {
        return (List<String>) script("""
                return Array.from(document.querySelectorAll('input, select, textarea'))
                  .filter(e => e.type !== 'hidden')
                  .filter(e => !(e.id && document.querySelector('label[for="' + e.id + '"]')) && !e.closest('label')
                               && !e.getAttribute('aria-label'))
                  .map(e => e.outerHTML);""");
    }

    /** Screenshots of the whole page at desktop and mobile widths, as {@code <name>-1280.png} and {@code <name>-390.png}. */
    public void screenshots(String name) {
        for (int width : new int[] {DESKTOP, MOBILE}) {
            driver.manage().window().setSize(new Dimension(width, 900));
            long height = ((Number) script("return Math.ceil(document.documentElement.scrollHeight)")).longValue();
            driver.manage().window().setSize(new Dimension(width, (int) Math.min(Math.max(height, 600), 6000)));
            File shot = driver.getScreenshotAs(OutputType.FILE);
            try {
                Files.copy(shot.toPath(), screenshots.resolve(name + "-" + width + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        driver.manage().window().setSize(new Dimension(DESKTOP, 900));
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            DataPlaneProcesses.deleteRecursively(profile);
        }
    }
}
