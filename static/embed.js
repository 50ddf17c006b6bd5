// graft's embed script: <script src=".../embed.js"></script> turns each
// <graft-classifier preset="..." compact eager device="cpu" store="..."></graft-classifier>
// (or <div data-graft preset="...">) into an iframe of the app beside this script, loaded
// when scrolled near (at once with `eager`), sized to its content, camera allowed. The
// element fires `graft-ready`, `graft-progress`, `graft-trained`, `graft-prediction` and
// `graft-error` (the message in `event.detail`), and has train(), reset() and
// predict(blobOrImageBitmap). docs/embedding.md. No dependencies; nothing is sent anywhere
// but to the app's iframe, and nothing read but what the widget asks of this page's own
// origin (a preset beside the page, handed over: the app reads only its own origin).
(() => {
  const app = new URL('./', document.currentScript.src);
  const PARAMS = ['preset', 'device', 'store', 'theme'];

  async function asBlob(image) {
    if (image instanceof Blob) return image;
    const canvas = new OffscreenCanvas(image.width, image.height);
    canvas.getContext('2d').drawImage(image, 0, 0);
    return canvas.convertToBlob({ type: 'image/png' });
  }

  // The widget may read only its own site; a preset beside this page (and the photos and
  // model it names) is read here, on this page's own origin only, and handed over.
  async function handOver({ id, url }, send) {
    try {
      if (typeof url !== 'string' || new URL(url).origin !== location.origin) {
        throw new Error(`${url} is not on ${location.origin}`);
      }
      const response = await fetch(url);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const bytes = await response.arrayBuffer();
      send({ type: 'fetched', id, bytes }, [bytes]);
    } catch (e) {
      send({ type: 'fetched', id, error: String(e.message ?? e) });
    }
  }

  function mount(el) {
    if (el.graftFrame) return;
    const url = new URL(app);
    // `js`: this script answers the widget's `fetch` requests (below).
    url.searchParams.set('embed', 'js');
    for (const name of PARAMS) {
      const value = el.getAttribute(name) ?? el.dataset[name];
      if (value == null) continue;
      // A preset is named relative to the embedding page.
      url.searchParams.set(name, name === 'preset' ? new URL(value, document.baseURI).href : value);
    }
    if (el.hasAttribute('compact') || 'compact' in el.dataset) url.searchParams.set('compact', '');
    const frame = document.createElement('iframe');
    frame.src = url.href;
    frame.allow = 'camera';
    frame.title = el.getAttribute('title') ?? 'graft: teach an image classifier';
    frame.style.cssText = 'width: 100%; height: 480px; border: 0;';
    el.graftFrame = frame;
    window.addEventListener('message', (e) => {
      if (e.source !== frame.contentWindow || e.origin !== app.origin || e.data?.source !== 'graft') return;
      if (e.data.type === 'height') frame.style.height = `${Math.ceil(e.data.height)}px`;
      if (e.data.type === 'fetch') return handOver(e.data, send);
      el.dispatchEvent(new CustomEvent(`graft-${e.data.type}`, { detail: e.data, bubbles: true }));
    });
    const send = (message, transfer = []) =>
      frame.contentWindow?.postMessage({ graft: 1, ...message }, app.origin, transfer);
    el.train = () => send({ type: 'train' });
    el.reset = () => send({ type: 'reset' });
    el.predict = async (image) => send({ type: 'predict', image: await asBlob(image) });
    el.appendChild(frame);
  }

  function watch(el) {
    if (el.hasAttribute('eager') || 'eager' in el.dataset || !('IntersectionObserver' in window)) return mount(el);
    const seen = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        seen.disconnect();
        mount(el);
      }
    }, { rootMargin: '600px' });
    seen.observe(el);
  }

  customElements.define('graft-classifier', class extends HTMLElement {
    connectedCallback() { watch(this); }
  });
  const divs = () => document.querySelectorAll('div[data-graft]').forEach(watch);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', divs);
  else divs();
})();
