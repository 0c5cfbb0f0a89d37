// The file view: syntax highlighting (highlight.js, installed from npm by the build into assets/vendor) and linkable
// line numbers: #L10 or #L10-L20 selects those lines and scrolls to them; a click on a number selects it, shift-click
// a range, and the address bar follows so the link can be shared.
import hljs from './vendor/highlight/highlight.min.js';

const MaxHighlightedChars = 256 * 1024;
const Theme = 'assets/vendor/highlight/github.min.css';

function ensureTheme() {
    if (!document.querySelector(`link[href="${Theme}"]`)) {
        const link = document.createElement('link');
        link.rel = 'stylesheet';
        link.href = Theme;
        document.head.appendChild(link);
    }
}

function languageOf(fileName) {
    const name = fileName.toLowerCase();
    if (hljs.getLanguage(name)) {
        return name;
    }

    const dot = name.lastIndexOf('.');
    const language = dot > 0 ? hljs.getLanguage(name.slice(dot + 1)) : null;
    return language ? name.slice(dot + 1) : null;
}

function selectedRange() {
    const match = /^#L(\d+)(?:-L(\d+))?$/.exec(window.location.hash);
    if (!match) {
        return null;
    }

    const first = parseInt(match[1], 10);
    const last = match[2] ? parseInt(match[2], 10) : first;
    return [Math.min(first, last), Math.max(first, last)];
}

function showSelection(view, scroll) {
    const range = selectedRange();
    const band = view.querySelector('.line-selection');
    view.querySelectorAll('.line-numbers a.selected').forEach(a => a.classList.remove('selected'));
    if (!range) {
        band.hidden = true;
        return;
    }

    const firstAnchor = view.querySelector(`#L${range[0]}`);
    if (!firstAnchor) {
        band.hidden = true;
        return;
    }

    for (let line = range[0]; line <= range[1]; line++) {
        view.querySelector(`#L${line}`)?.classList.add('selected');
    }

    const lastAnchor = view.querySelector(`#L${range[1]}`) ?? firstAnchor;
    band.style.top = `${firstAnchor.offsetTop}px`;
    band.style.height = `${lastAnchor.offsetTop + lastAnchor.offsetHeight - firstAnchor.offsetTop}px`;
    band.hidden = false;
    if (scroll) {
        firstAnchor.scrollIntoView({ block: 'center' });
    }
}

export function attach(view, fileName) {
    if (!view || view.dataset.attached) {
        return;
    }

    view.dataset.attached = 'true';
    const code = view.querySelector('code');
    const language = languageOf(fileName);
    if (code && language && code.textContent.length <= MaxHighlightedChars) {
        ensureTheme();
        code.innerHTML = hljs.highlight(code.textContent, { language, ignoreIllegals: true }).value;
        code.classList.add('hljs');
        view.dataset.language = language;
    }

    let anchor = null;
    view.querySelector('.line-numbers').addEventListener('click', event => {
        const target = event.target.closest('a[data-line]');
        if (!target) {
            return;
        }

        event.preventDefault();
        event.stopPropagation();
        const line = parseInt(target.dataset.line, 10);
        const hash = event.shiftKey && anchor ? `#L${Math.min(anchor, line)}-L${Math.max(anchor, line)}` : `#L${line}`;
        if (!event.shiftKey || !anchor) {
            anchor = line;
        }

        // Relative to this page, not to <base href="/">.
        history.replaceState(history.state, '', location.pathname + location.search + hash);
        showSelection(view, false);
    });
    window.addEventListener('hashchange', () => showSelection(view, true));
    showSelection(view, true);
}
