// A Plotly chart drawn with plotly.js's basic bundle (bar, pie and scatter traces), for ui/charts.py.
// The bundle is loaded once per page from the app's static folder; every chart waits for the same promise.

function plotly(src) {
  if (!window.__khiPlotly) {
    window.__khiPlotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.async = true;
      script.onload = () => (window.Plotly ? resolve(window.Plotly) : reject(new Error("no Plotly in " + src)));
      script.onerror = () => {
        window.__khiPlotly = undefined; // the next chart tries again (a dropped connection, not a missing file)
        reject(new Error("could not load " + src));
      };
      document.head.appendChild(script);
    });
  }
  return window.__khiPlotly;
}

export default function ({ data, parentElement }) {
  let div = parentElement.querySelector(":scope > .khi-chart");
  if (!div) {
    div = document.createElement("div");
    div.className = "khi-chart";
    parentElement.appendChild(div);
  }
  // A figure (not an image): its hover labels and mode bar stay reachable. The table beside it is the text version.
  div.setAttribute("role", "figure");
  div.setAttribute("aria-label", data.alt || "");
  const figure = JSON.parse(data.figure);
  let gone = false;
  let observer = null;
  let width = 0;
  plotly(data.src)
    .then((Plotly) => {
      if (gone) return undefined;
      return Plotly.react(div, figure.data, figure.layout, data.config).then(() => {
        div.dataset.drawn = "true";
        // The sidebar opening or closing changes the page's width without a window resize: follow the container.
        width = div.clientWidth;
        observer = new ResizeObserver(() => {
          if (div.clientWidth !== width) {
            width = div.clientWidth;
            Plotly.Plots.resize(div);
          }
        });
        observer.observe(div);
      });
    })
    .catch(() => {
      div.dataset.drawn = "failed";
      div.textContent = data.failed;
    });
  return () => {
    gone = true;
    if (observer) observer.disconnect();
    if (window.Plotly) window.Plotly.purge(div);
  };
}
