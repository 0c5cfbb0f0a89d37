// Portal's few lines of browser script, loaded on every page.
//
// Copy buttons (Components/Shared/CopyButton.razor): handled here, in the click itself, so they work before the
// circuit is up and keep the user gesture the clipboard needs. The clipboard API exists only in secure contexts
// (https, localhost); elsewhere (plain http on a host name) the text is selected, copied the old way if the browser
// still allows it, and otherwise the person is told to press Ctrl+C. Nothing here throws.
(() => {
    const shortcut = /Mac|iPhone|iPad/.test(navigator.platform || "") ? "⌘C" : "Ctrl+C";

    function say(button, text) {
        const status = button.parentElement.querySelector(".copy-status");
        if (!status) {
            return;
        }

        status.textContent = text;
        clearTimeout(status.portalTimer);
        status.portalTimer = setTimeout(() => { status.textContent = ""; }, 6000);
    }

    // The text on screen: the field the button belongs to, or a read-only box shown next to the button.
    function select(button, text) {
        const shown = button.closest(".copy-field, .copy-block")?.querySelector("code");
        const selection = window.getSelection();
        if (shown) {
            const range = document.createRange();
            range.selectNodeContents(shown);
            selection.removeAllRanges();
            selection.addRange(range);
            return;
        }

        let box = button.parentElement.querySelector("input.copy-fallback");
        if (!box) {
            box = document.createElement("input");
            box.className = "copy-fallback";
            box.readOnly = true;
            box.setAttribute("aria-label", button.getAttribute("aria-label") || "Text to copy");
            button.parentElement.appendChild(box);
        }

        box.value = text;
        box.focus();
        box.select();
    }

    async function copy(button) {
        const text = button.getAttribute("data-copy-text") || "";
        if (navigator.clipboard && window.isSecureContext) {
            try {
                await navigator.clipboard.writeText(text);
                say(button, "Copied");
                return;
            } catch {
                // Refused (permissions, focus): fall back to selecting it.
            }
        }

        select(button, text);
        let copied = false;
        try {
            copied = document.execCommand("copy");
        } catch {
            copied = false;
        }

        say(button, copied ? "Copied" : `Selected: press ${shortcut} to copy`);
    }

    document.addEventListener("click", event => {
        const button = event.target instanceof Element ? event.target.closest("button[data-copy-text]") : null;
        if (button) {
            event.preventDefault();
            copy(button);
        }
    });
})();

// The header's menu button on narrow screens (Components/Layout/MainLayout.razor): opens and closes the folded links,
// and closes them again once one is followed. Whether it is open lives on <body>, which Blazor never renders: the
// circuit's first render replaces the prerendered header, and a menu opened before that must stay open (the
// replaced button is told again, for screen readers).
(() => {
    const openClass = "portal-menu-open";

    function syncButton() {
        document.getElementById("menu-button")?.setAttribute("aria-expanded", document.body.classList.contains(openClass) ? "true" : "false");
    }

    function setOpen(open) {
        document.body.classList.toggle(openClass, open);
        syncButton();
    }

    document.addEventListener("click", event => {
        const target = event.target instanceof Element ? event.target : null;
        if (!target?.closest(".portal-header")) {
            return;
        }

        if (target.closest("#menu-button")) {
            setOpen(!document.body.classList.contains(openClass));
        } else if (target.closest(".portal-menu a")) {
            setOpen(false);
        }
    });

    new MutationObserver(() => {
        const button = document.getElementById("menu-button");
        if (button && button.getAttribute("aria-expanded") !== (document.body.classList.contains(openClass) ? "true" : "false")) {
            syncButton();
        }
    }).observe(document.body, { childList: true, subtree: true });
})();

// Pop-ups that close when a click lands elsewhere (Components/Pages/Repositories/CloneDropdown.razor): the open toggle
// button (aria-expanded="true", data-outside-click-closes) is clicked for the person, so the component closes itself
// over the circuit and the click still reaches what it was aimed at.
document.addEventListener("click", event => {
    const target = event.target instanceof Element ? event.target : null;
    for (const toggle of document.querySelectorAll("button[data-outside-click-closes][aria-expanded='true']")) {
        if (target && !toggle.parentElement.contains(target)) {
            toggle.click();
        }
    }
});

// Links followed before the circuit is live load the page the ordinary way. Until the layout's #circuit-ready marker
// exists, Blazor would answer a link with an enhanced navigation that races the circuit's own start: on a slow
// machine the circuit then renders the page the person left, and the click is lost (dotnet/aspnetcore#68562 is the
// same family). A full load costs one page fetch and always lands where the link says. Runs in the capture phase on
// window so it is decided before Blazor's own document listener sees the click.
window.addEventListener("click", event => {
    if (document.getElementById("circuit-ready") || event.defaultPrevented || event.button !== 0
        || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
        return;
    }

    const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
    if (!link || link.hasAttribute("download") || (link.target && link.target !== "_self")) {
        return;
    }

    const url = new URL(link.href, document.baseURI);
    if (url.origin !== location.origin || url.hash && url.pathname === location.pathname && url.search === location.search) {
        return;
    }

    event.stopPropagation();
}, true);
