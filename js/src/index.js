// binderd's pages share one script; each page says which part it needs with <body data-page>.
import { startHome } from "./home.js";
import { startLoading } from "./loading.js";
import { startLogPage } from "./logpage.js";

const PAGES = { home: startHome, loading: startLoading, log: startLogPage };

const start = PAGES[document.body.dataset.page];
if (start) start(window.pageConfig);
