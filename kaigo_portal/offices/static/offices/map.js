// The office search's map: one marker per office of the page (read from the JSON the page carries), with
// the table beside it as the accessible list. Tiles come from the URL the page names; without one, the map
// shows the offices on a plain background.
(function () {
  "use strict";
  var box = document.getElementById("office-map");
  var data = document.getElementById("office-markers");
  if (!box || !data || typeof L === "undefined") return;
  var offices = JSON.parse(data.textContent);
  if (!offices.length) { box.hidden = true; return; }
  var map = L.map(box, { zoomControl: false, attributionControl: true });
  L.control.zoom({ zoomInTitle: "拡大", zoomOutTitle: "縮小" }).addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  if (box.dataset.tiles) {
    L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution, maxZoom: 18 }).addTo(map);
  }
  var bounds = [];
  offices.forEach(function (office) {
    var marker = L.marker([office.lat, office.lng], { alt: office.name, title: office.name, keyboard: true });
    var link = document.createElement("a");
    link.href = office.url;
    link.textContent = office.name + "（" + office.number + "）";
    marker.bindPopup(link).addTo(map);
    bounds.push([office.lat, office.lng]);
  });
  map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
})();
