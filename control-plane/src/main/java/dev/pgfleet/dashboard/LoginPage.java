package dev.pgfleet.dashboard;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

/** The sign-in page (Spring Security handles the POST, throttled by ThrottledSignIn), and the root, which is the databases list. */
@Controller
class LoginPage implements DashboardPage {
    static final String VIEW = "login";

    /** {@code ?throttled=<seconds>}: the sign-in was refused for too many failures (a number only; anything else is ignored). */
    @GetMapping("/login")
    String login(@RequestParam(name = "throttled", required = false) String throttled, Model model) {
        if (throttled != null && throttled.matches("[0-9]{1,6}")) {
            model.addAttribute("retryAfterSeconds", String.valueOf(Integer.parseInt(throttled))); // text: no "1,234"
        }
        return VIEW;
    }

    @GetMapping("/")
    String home() {
        return "redirect:/databases";
    }
}
