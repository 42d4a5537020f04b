// Category page: title, description and its services (paged).
import { api, ApiError } from './api.js';
import { t } from './i18n/index.js';
import { renderText } from './text.js';
import { $, initPage, setTitle, setState, breadcrumb, showError, pagedList } from './ui.js';

const cityReady = initPage();
const slug = new URLSearchParams(location.search).get('slug');

async function load() {
  if (!slug) throw new ApiError({ status: 404 });
  const [categories, services] = await Promise.all([
    api.categories(), api.services({ category: slug }),
  ]);
  const category = categories.items.find((c) => c.slug === slug);
  if (!category) throw new ApiError({ status: 404 });
  return { category, services };
}

try {
  const [city, { category, services }] = await Promise.all([cityReady, load()]);
  $('#page-title').textContent = category.title;
  setTitle(category.title, city);
  breadcrumb([{ label: category.title }]);
  $('#category-description').replaceChildren(renderText(category.description));
  const section = $('#services');
  const pager = pagedList($('#services-list'), $('#services-more'), {
    fetchMore: (cursor) => api.services({ category: slug, cursor }),
  });
  pager.show(services);
  if (services.items.length === 0) {
    section.querySelector('ul').replaceWith(renderText(t('category.empty')));
  }
  section.hidden = false;
  setState('ready');
} catch (err) {
  showError(err, await cityReady, { notFound: 'category.notFound', notFoundTitle: 'category.notFoundTitle' });
}
