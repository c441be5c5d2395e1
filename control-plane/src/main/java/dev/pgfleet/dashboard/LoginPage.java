package dev.pgfleet.dashboard;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

/** The sign-in page (Spring Security handles the POST), and the root, which is the databases list. */
@Controller
class LoginPage implements DashboardPage {
    static final String VIEW = "login";

    @GetMapping("/login")
    String login() {
        return VIEW;
    }

    @GetMapping("/")
    String home() {
        return "redirect:/databases";
    }
}
