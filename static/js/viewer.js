// A 3D viewer for one asset: a GLB drawn in uniform clay, orbit and zoom,
// rendered on demand. Where WebGL is missing, or the GLB does not load, it
// shows the asset's clay renders as a small carousel instead.
//
//   const viewer = new ModelViewer(element, { label: "Model A" });
//   await viewer.load("/path/model.glb", ["/path/0.png", ...]);
//   linkViewers(viewerA, viewerB, { enabled: true });
import * as THREE from "three";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";
import { DRACOLoader } from "three/addons/loaders/DRACOLoader.js";
import { MeshoptDecoder } from "three/addons/libs/meshopt_decoder.module.js";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";
import { el } from "./lib/dom.js";

export const CLAY_COLOR = 0xb8b8bc;
const LINE_COLOR = 0xc4c6cc;
const WIRE_COLOR = 0x1f2227;
// The default view: from the front-right, a little above, like the clay renders.
const HOME_AZIMUTH = Math.PI / 4;
const HOME_ELEVATION = THREE.MathUtils.degToRad(22);
const FIT_MARGIN = 1.12;
// Pixels a finger moves before a one-finger gesture counts as a sideways turn.
const TOUCH_SLOP = 8;

const DEFAULT_DRACO_PATH = "/static/vendor/three/examples/jsm/libs/draco/";
let sharedLoader = null;

// One loader (and so one pool of Draco workers) serves every viewer of the page.
// Browser GLBs come meshopt-compressed (decoded on the main thread, in a few
// milliseconds); Draco stays readable for GLBs rendered with RENDER_COMPRESS=draco.
function gltfLoader() {
  if (!sharedLoader) {
    const draco = new DRACOLoader();
    draco.setDecoderPath(document.querySelector("[data-draco-path]")?.dataset.dracoPath || DEFAULT_DRACO_PATH);
    sharedLoader = new GLTFLoader();
    sharedLoader.setDRACOLoader(draco);
    sharedLoader.setMeshoptDecoder(MeshoptDecoder);
  }
  return sharedLoader;
}

// Can this browser draw WebGL at all? Checked once, on a throw-away canvas.
let webglChecked = null;
export function webglAvailable() {
  if (webglChecked === null) {
    try {
      const canvas = document.createElement("canvas");
      const context = window.WebGLRenderingContext && (canvas.getContext("webgl2") || canvas.getContext("webgl"));
      webglChecked = Boolean(context);
      // Browsers allow only a few live contexts: give this probe's back at once.
      if (context) context.getExtension("WEBGL_lose_context")?.loseContext();
    } catch {
      webglChecked = false;
    }
  }
  return webglChecked;
}

function countTriangles(mesh) {
  const geometry = mesh.geometry;
  const drawn = geometry.index ? geometry.index.count : geometry.attributes.position?.count || 0;
  return Math.floor(drawn / 3) * (mesh.isInstancedMesh ? mesh.count : 1);
}

function disposeMaterial(material) {
  for (const value of Object.values(material)) {
    if (value && value.isTexture) value.dispose();
  }
  material.dispose();
}

export class ModelViewer extends EventTarget {
  constructor(container, { label = "3D model", background = null } = {}) {
    super();
    this.container = container;
    this.label = label;
    this.mode = "clay";
    this.model = null;
    this.fallback = null;
    this._interacted = false;
    this._triangles = 0;
    this._lines = 0;
    this._loadId = 0;
    this._applying = false;
    this._frame = 0;
    this._lastFrameTime = 0;

    this.canvas = el("canvas", {
      class: "viewer-canvas",
      role: "img",
      "aria-label": `${label}: 3D view. Drag to turn, scroll or pinch to zoom, right-drag to pan.`,
      "data-rendered": "0",
    });
    this.loading = el("div", { class: "viewer-loading", hidden: true },
      el("span", { class: "spinner", "aria-hidden": "true" }), el("span", { class: "viewer-loading-text" }, "Loading model…"));
    this.message = el("p", { class: "viewer-message", hidden: true });
    container.append(this.canvas, this.loading, this.message);

    this.webgl = webglAvailable() && this._createRenderer(background);
    if (!this.webgl) {
      this.canvas.hidden = true;
      container.classList.add("no-webgl");
    }
    for (const type of ["pointerdown", "wheel"]) {
      container.addEventListener(type, () => this._markInteracted(), { passive: true });
    }
  }

  _createRenderer(background) {
    try {
      this.renderer = new THREE.WebGLRenderer({
        canvas: this.canvas,
        antialias: true,
        alpha: background === null,
        // Keeps the last frame readable (screenshots, pixel checks in tests).
        preserveDrawingBuffer: true,
        powerPreference: "low-power",
      });
    } catch {
      this.renderer = null;
      return false;
    }
    if (!this.renderer.getContext()) return false;
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
    this.renderer.toneMapping = THREE.NeutralToneMapping;
    if (background !== null) this.renderer.setClearColor(background, 1);
    else this.renderer.setClearColor(0x000000, 0);

    this.scene = new THREE.Scene();
    this.camera = new THREE.PerspectiveCamera(35, 4 / 3, 0.01, 1000);
    this.scene.add(this.camera);
    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x5a5e66, 1.5));
    // Lights ride with the camera, so every side of a shape is lit the same way.
    const key = new THREE.DirectionalLight(0xffffff, 2.0);
    key.position.set(-1, 1.4, 1.2);
    const fill = new THREE.DirectionalLight(0xffffff, 0.7);
    fill.position.set(1.3, -0.2, 0.6);
    this.camera.add(key, key.target, fill, fill.target);
    key.target.position.set(0, 0, -1);
    fill.target.position.set(0, 0, -1);

    this.materials = {
      smooth: new THREE.MeshStandardMaterial({ color: CLAY_COLOR, roughness: 0.7, metalness: 0, side: THREE.DoubleSide }),
      flat: new THREE.MeshStandardMaterial({
        color: CLAY_COLOR, roughness: 0.7, metalness: 0, flatShading: true, side: THREE.DoubleSide,
      }),
      normalSmooth: new THREE.MeshNormalMaterial({ side: THREE.DoubleSide }),
      normalFlat: new THREE.MeshNormalMaterial({ flatShading: true, side: THREE.DoubleSide }),
      wire: new THREE.MeshBasicMaterial({ color: WIRE_COLOR, wireframe: true, transparent: true, opacity: 0.55 }),
      line: new THREE.LineBasicMaterial({ color: LINE_COLOR }),
      points: new THREE.PointsMaterial({ color: LINE_COLOR, size: 3, sizeAttenuation: false }),
    };
    // Shaded surfaces sit a hair behind their wireframe so the lines stay visible.
    for (const key of ["smooth", "flat"]) {
      Object.assign(this.materials[key], { polygonOffset: true, polygonOffsetFactor: 1, polygonOffsetUnits: 1 });
    }

    this.controls = new OrbitControls(this.camera, this.canvas);
    this.controls.enableDamping = true;
    this.controls.dampingFactor = 0.12;
    this.controls.autoRotateSpeed = 3;
    // OrbitControls claims every touch gesture, which traps a phone's page under
    // the two viewers. Let the browser keep vertical swipes (the page scrolls)
    // and hand over the rest: a sideways swipe turns the model, two fingers zoom.
    this.canvas.style.touchAction = "pan-y";
    this._holdVerticalSwipes();
    this.controls.addEventListener("change", () => {
      this.requestRender();
      if (!this._applying) this.dispatchEvent(new Event("camerachange"));
    });
    this.controls.addEventListener("start", () => this.dispatchEvent(new Event("interact")));

    this.home = { center: new THREE.Vector3(), radius: 1, distance: 3 };
    this._resize();
    this._observer = new ResizeObserver(() => this._resize());
    this._observer.observe(this.container);
    this.canvas.addEventListener("webglcontextlost", (event) => {
      event.preventDefault();
      this._showFallback(this._fallbackViews || [], "The 3D view was lost; showing the renders instead.");
    });
    return true;
  }

  // A finger's first few pixels decide what a one-finger gesture is. Mostly
  // vertical: the browser scrolls the page (touch-action: pan-y), and the model
  // must not tilt on the way, so OrbitControls never sees those moves. Sideways,
  // or a second finger down: everything goes through.
  _holdVerticalSwipes() {
    const fingers = new Map();
    let decided = false;
    const listen = (type, handler) => this.canvas.addEventListener(type, handler, { capture: true });
    listen("pointerdown", (event) => {
      if (event.pointerType !== "touch") return;
      fingers.set(event.pointerId, [event.clientX, event.clientY]);
      decided = fingers.size > 1;
    });
    listen("pointermove", (event) => {
      const start = fingers.get(event.pointerId);
      if (event.pointerType !== "touch" || !start || decided) return;
      const dx = Math.abs(event.clientX - start[0]);
      const dy = Math.abs(event.clientY - start[1]);
      if (dx > TOUCH_SLOP && dx > dy) decided = true;
      else event.stopImmediatePropagation();
    });
    const lift = (event) => {
      fingers.delete(event.pointerId);
      if (fingers.size === 0) decided = false;
    };
    listen("pointerup", lift);
    listen("pointercancel", lift);
  }

  _markInteracted() {
    if (this._interacted) return;
    this._interacted = true;
    this.dispatchEvent(new Event("interact"));
  }

  get interacted() {
    return this._interacted;
  }

  get triangles() {
    return this._triangles;
  }

  get lineSegments() {
    return this._lines;
  }

  // "model" when the GLB is drawn, "views" for the carousel, "" before a load.
  get showing() {
    if (this.model) return "model";
    if (this.fallback) return "views";
    return "";
  }

  // Loads a GLB (or, without WebGL, the renders). Resolves to what is shown;
  // rejects only when nothing at all could be shown.
  async load(glbUrl, fallbackViews = []) {
    const loadId = ++this._loadId;
    this.clear();
    this._fallbackViews = fallbackViews;
    if (!this.webgl) {
      this._showFallback(fallbackViews, "");
      return this.showing;
    }
    this.setLoading(true);
    performance.mark(`${this.label}: load`);
    try {
      const gltf = await gltfLoader().loadAsync(glbUrl, (event) => {
        if (loadId === this._loadId && event.lengthComputable && event.total) {
          this.setLoading(true, `Loading model… ${Math.round((100 * event.loaded) / event.total)}%`);
        }
      });
      if (loadId !== this._loadId) {
        this._disposeObject(gltf.scene);
        return "stale";
      }
      performance.mark(`${this.label}: decoded`);
      this._setModel(gltf.scene);
    } catch (error) {
      if (loadId !== this._loadId) return "stale";
      this._showFallback(fallbackViews, "The 3D model could not be loaded; showing its renders.");
      if (!this.fallback) throw error;
    } finally {
      if (loadId === this._loadId) this.setLoading(false);
    }
    return this.showing;
  }

  // Forgets the current asset (the next pair reuses the same canvas and context).
  clear() {
    this._interacted = false;
    this._triangles = 0;
    this._lines = 0;
    this.canvas.dataset.rendered = "0";
    this.message.hidden = true;
    this.container.classList.remove("showing-views");
    if (this.fallback) {
      this.fallback.remove();
      this.fallback = null;
    }
    if (this.model) {
      this.scene.remove(this.model);
      this._disposeObject(this.model);
      this.model = null;
    }
    if (this.controls) this.controls.autoRotate = this._autoRotate || false;
    if (this.webgl) this.canvas.hidden = false;
    this.requestRender();
  }

  // The spinner over the stage; pages may show it while they fetch what to load.
  setLoading(on, text = "Loading model…") {
    this.loading.hidden = !on;
    this.loading.querySelector(".viewer-loading-text").textContent = text;
    this.container.setAttribute("aria-busy", on ? "true" : "false");
  }

  _setModel(root) {
    const originals = new Set();
    root.traverse((node) => {
      if (node.isMesh) {
        this._triangles += countTriangles(node);
        node.userData.flat = !node.geometry.attributes.normal;
      } else if (node.isLineSegments || node.isLine) {
        const count = node.geometry.index ? node.geometry.index.count : node.geometry.attributes.position.count;
        this._lines += node.isLineSegments ? Math.floor(count / 2) : Math.max(count - 1, 0);
      }
      if (node.material) {
        for (const m of [].concat(node.material)) originals.add(m);
      }
    });
    // Only our uniform materials are drawn: the asset's own never sway a vote.
    for (const material of originals) disposeMaterial(material);
    const box = new THREE.Box3().setFromObject(root);
    if (box.isEmpty()) {
      this._showFallback(this._fallbackViews, "This model has nothing to draw.");
      return;
    }
    this.model = root;
    this.scene.add(root);
    this._applyMode();
    this._fitTo(box);
    this.canvas.dataset.rendered = "0";
    this.requestRender();
  }

  _disposeObject(root) {
    root.traverse((node) => {
      if (node.geometry) node.geometry.dispose();
    });
  }

  setMode(mode) {
    this.mode = mode;
    if (this.model) this._applyMode();
    this.container.dataset.mode = mode;
  }

  _applyMode() {
    const m = this.materials;
    this.model.traverse((node) => {
      if (node.userData.isWire) return;
      if (node.isMesh) {
        const flat = node.userData.flat;
        node.material = this.mode === "normals" ? (flat ? m.normalFlat : m.normalSmooth) : flat ? m.flat : m.smooth;
        this._setWire(node, this.mode === "wireframe");
      } else if (node.isLine) {
        node.material = m.line;
      } else if (node.isPoints) {
        node.material = m.points;
      }
    });
    this.requestRender();
  }

  // The wireframe mode draws the edges over the clay surface.
  _setWire(mesh, on) {
    if (on && !mesh.userData.wire && !mesh.isInstancedMesh && !mesh.isSkinnedMesh) {
      const wire = new THREE.Mesh(mesh.geometry, this.materials.wire);
      wire.userData.isWire = true;
      wire.raycast = () => {};
      mesh.userData.wire = wire;
      mesh.add(wire);
    }
    if (mesh.userData.wire) mesh.userData.wire.visible = on;
    if (mesh.isInstancedMesh || mesh.isSkinnedMesh) {
      mesh.material = on ? this.materials.wire : mesh.material;
    }
  }

  // Frames the model on its own bounding sphere, always from the same direction.
  _fitTo(box) {
    const sphere = box.getBoundingSphere(new THREE.Sphere());
    const radius = Math.max(sphere.radius, 1e-6);
    const vfov = THREE.MathUtils.degToRad(this.camera.fov);
    const hfov = 2 * Math.atan(Math.tan(vfov / 2) * this.camera.aspect);
    const distance = (FIT_MARGIN * radius) / Math.sin(Math.min(vfov, hfov) / 2);
    this.home = { center: sphere.center.clone(), radius, distance };
    this.camera.near = distance / 100;
    this.camera.far = distance * 100;
    this.camera.updateProjectionMatrix();
    this.controls.minDistance = distance * 0.08;
    this.controls.maxDistance = distance * 8;
    this.resetView();
  }

  resetView() {
    if (this.fallback) {
      this._showView(0);
      this.dispatchEvent(new Event("camerachange"));
      return;
    }
    if (!this.controls) return;
    const { center, distance } = this.home;
    const direction = new THREE.Vector3(
      Math.cos(HOME_ELEVATION) * Math.sin(HOME_AZIMUTH),
      Math.sin(HOME_ELEVATION),
      Math.cos(HOME_ELEVATION) * Math.cos(HOME_AZIMUTH),
    );
    this._stopMomentum();
    this.controls.target.copy(center);
    this.camera.position.copy(center).addScaledVector(direction, distance);
    this.controls.update();
    this.requestRender();
  }

  setAutoRotate(on) {
    this._autoRotate = on;
    if (this.controls) {
      this.controls.autoRotate = on;
      this.requestRender();
    }
  }

  get autoRotate() {
    return Boolean(this.controls && this.controls.autoRotate);
  }

  // Where the camera looks from, independent of the model's size: the unit
  // direction from the target, the distance relative to the framing, and the
  // target's offset from the model's centre in units of its radius.
  cameraState() {
    if (this.fallback) return { view: this._viewIndex };
    if (!this.model) return null;
    const offset = this.camera.position.clone().sub(this.controls.target);
    const distance = offset.length();
    return {
      direction: offset.divideScalar(distance).toArray(),
      distance: distance / this.home.distance,
      pan: this.controls.target.clone().sub(this.home.center).divideScalar(this.home.radius).toArray(),
    };
  }

  applyCameraFrom(other) {
    const state = other.cameraState();
    if (!state) return;
    if (this.fallback) {
      if (state.view !== undefined) this._showView(state.view);
      return;
    }
    if (!this.model || !state.direction) return;
    const { center, radius, distance } = this.home;
    this._applying = true;
    try {
      this._stopMomentum();
      this.controls.target.copy(center).addScaledVector(new THREE.Vector3().fromArray(state.pan), radius);
      this.camera.position
        .copy(this.controls.target)
        .addScaledVector(new THREE.Vector3().fromArray(state.direction), state.distance * distance);
      this.controls.update();
    } finally {
      this._applying = false;
    }
    this.requestRender();
  }

  // A camera that follows another must not keep drifting on its own inertia.
  _stopMomentum() {
    this.controls._sphericalDelta?.set(0, 0, 0);
    this.controls._panOffset?.set(0, 0, 0);
  }

  onCameraChange(callback) {
    this.addEventListener("camerachange", () => callback(this));
  }

  requestRender() {
    if (!this.renderer || this._frame) return;
    this._frame = requestAnimationFrame((time) => this._render(time));
  }

  _render(time) {
    this._frame = 0;
    const idle = !this._lastFrameTime || time - this._lastFrameTime > 100;
    const delta = idle ? 1 / 60 : (time - this._lastFrameTime) / 1000;
    this._lastFrameTime = time;
    // Damping and the turntable move the camera here, which asks for the next frame.
    this.controls.update(delta);
    if (this.controls.autoRotate && this.model) this.requestRender();
    this.renderer.render(this.scene, this.camera);
    if (this.model && this.canvas.dataset.rendered !== "1") {
      // The first frame of this model: pages and benchmarks wait on these.
      this.canvas.dataset.rendered = "1";
      performance.mark(`${this.label}: drawn`);
    }
  }

  _resize() {
    const width = this.container.clientWidth;
    const height = this.container.clientHeight;
    if (!width || !height) return;
    this.renderer.setSize(width, height, false);
    this.camera.aspect = width / height;
    this.camera.updateProjectionMatrix();
    this.requestRender();
  }

  // The clay renders, one at a time: arrows, dots, or a horizontal drag to turn.
  _showFallback(views, note) {
    if (this.model) {
      this.scene.remove(this.model);
      this._disposeObject(this.model);
      this.model = null;
    }
    this.canvas.hidden = true;
    if (note) {
      this.message.textContent = note;
      this.message.hidden = false;
    }
    if (!views || !views.length) {
      if (!note) {
        this.message.textContent = "No renders are available for this model.";
        this.message.hidden = false;
      }
      return;
    }
    const strip = el("div", { class: "viewer-views", role: "group", "aria-roledescription": "carousel", "aria-label": `${this.label}: clay renders` });
    strip.innerHTML = `
      <div class="viewer-views-frame"></div>
      <button type="button" class="views-step prev" aria-label="Previous view">‹</button>
      <button type="button" class="views-step next" aria-label="Next view">›</button>
      <div class="views-dots" role="tablist" aria-label="Views"></div>`;
    const frame = strip.querySelector(".viewer-views-frame");
    const dots = strip.querySelector(".views-dots");
    views.forEach((url, index) => {
      frame.append(el("img", { src: url, alt: `${this.label}, clay render ${index + 1} of ${views.length}`, draggable: "false", decoding: "async" }));
      const dot = el("button", { type: "button", role: "tab", "aria-label": `View ${index + 1}` });
      dot.addEventListener("click", () => this._stepTo(index));
      dots.append(dot);
    });
    strip.querySelector(".prev").addEventListener("click", () => this._stepTo(this._viewIndex - 1));
    strip.querySelector(".next").addEventListener("click", () => this._stepTo(this._viewIndex + 1));
    let dragX = null;
    frame.addEventListener("pointerdown", (event) => {
      dragX = event.clientX;
      frame.setPointerCapture(event.pointerId);
    });
    frame.addEventListener("pointermove", (event) => {
      if (dragX === null) return;
      const step = Math.max(40, frame.clientWidth / 6);
      if (Math.abs(event.clientX - dragX) >= step) {
        this._stepTo(this._viewIndex + (event.clientX < dragX ? 1 : -1));
        dragX = event.clientX;
      }
    });
    frame.addEventListener("pointerup", () => { dragX = null; });
    frame.addEventListener("pointercancel", () => { dragX = null; });
    this.fallback = strip;
    this.container.classList.add("showing-views");
    this.container.append(strip);
    this._showView(0);
  }

  _stepTo(index) {
    this._markInteracted();
    this._showView(index);
    this.dispatchEvent(new Event("camerachange"));
  }

  _showView(index) {
    if (!this.fallback) return;
    const images = this.fallback.querySelectorAll("img");
    const count = images.length;
    this._viewIndex = ((index % count) + count) % count;
    images.forEach((img, i) => { img.hidden = i !== this._viewIndex; });
    this.fallback.querySelectorAll(".views-dots button").forEach((dot, i) => {
      dot.setAttribute("aria-selected", i === this._viewIndex ? "true" : "false");
    });
  }

  dispose() {
    this._loadId++;
    this.clear();
    if (this._frame) cancelAnimationFrame(this._frame);
    this._observer?.disconnect();
    this.controls?.dispose();
    if (this.materials) for (const material of Object.values(this.materials)) material.dispose();
    this.renderer?.dispose();
    this.canvas.remove();
    this.loading.remove();
    this.message.remove();
  }
}

// Makes two viewers turn and zoom together. Each keeps its own framing; what
// is shared is the viewing direction, the relative distance and the pan. With
// the turntable on, only one viewer spins (the last one touched) and the
// other follows, so the two never drift apart.
export function linkViewers(a, b, { enabled = true } = {}) {
  const viewers = [a, b];
  let leader = a;
  let turntable = false;
  const link = {
    get enabled() {
      return enabled;
    },
    setEnabled(on) {
      enabled = on;
      if (on) {
        const other = leader === a ? b : a;
        other.applyCameraFrom(leader);
      }
      updateTurntable();
    },
    setAutoRotate(on) {
      turntable = on;
      updateTurntable();
    },
    resetView() {
      for (const viewer of viewers) viewer.resetView();
    },
  };
  function updateTurntable() {
    const spinner = leader.showing === "model" ? leader : viewers.find((v) => v.showing === "model") || leader;
    for (const viewer of viewers) viewer.setAutoRotate(turntable && (!enabled || viewer === spinner));
  }
  for (const viewer of viewers) {
    const other = viewer === a ? b : a;
    viewer.onCameraChange(() => {
      if (enabled) other.applyCameraFrom(viewer);
    });
    viewer.addEventListener("interact", () => {
      if (leader === viewer) return;
      leader = viewer;
      updateTurntable();
    });
  }
  link.refresh = updateTurntable;
  return link;
}
