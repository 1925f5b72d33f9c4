// The little the chat needs from script, with no inline code (the Content-Security-Policy allows none): Enter sends
// the message and Shift+Enter starts a new line, the transcript follows an answer as it grows unless the reader
// scrolled up, and the conversation list loads its next page when its end comes into view.
(() => {
    "use strict";

    document.addEventListener("keydown", event => {
        const box = event.target;
        if (!(box instanceof HTMLTextAreaElement) || !box.hasAttribute("data-enter-sends")) return;
        if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
        event.preventDefault();
        box.form?.requestSubmit();
    });

    const following = new WeakMap();
    const nearBottom = element => element.scrollHeight - element.scrollTop - element.clientHeight < 48;

    const watchTranscript = element => {
        if (following.has(element)) return;
        following.set(element, true);
        element.addEventListener("scroll", () => following.set(element, nearBottom(element)), { passive: true });
        new MutationObserver(() => {
            if (following.get(element)) element.scrollTop = element.scrollHeight;
        }).observe(element, { childList: true, subtree: true, characterData: true });
        element.scrollTop = element.scrollHeight;
    };

    const loadMore = new IntersectionObserver(entries => {
        for (const entry of entries) {
            if (entry.isIntersecting && !entry.target.disabled) entry.target.click();
        }
    });
    const watchedButtons = new WeakSet();

    const scan = () => {
        document.querySelectorAll("[data-stick-to-bottom]").forEach(watchTranscript);
        document.querySelectorAll("[data-load-more]").forEach(button => {
            if (watchedButtons.has(button)) return;
            watchedButtons.add(button);
            loadMore.observe(button);
        });
    };

    new MutationObserver(scan).observe(document.documentElement, { childList: true, subtree: true });
    scan();
})();
