import { configure, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeGraphQL, type GraphQLCall } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { reorder } from './KbCategories';
import KnowledgeBasePage, { articleInput } from './KnowledgeBasePage';
import { signIn, staffApi } from './testSupport';

configure({ asyncUtilTimeout: 8000 });

const CATS = [
  { id: '1', name: '账单说明', position: 1, articleCount: 2 },
  { id: '2', name: '报停规则', position: 2, articleCount: 1 },
  { id: '3', name: '缴费帮助', position: 3, articleCount: 0 },
];
const ARTICLE = {
  id: '21',
  category: { id: '2', name: '报停规则' },
  title: '如何申请报停',
  body: '<p>每年 10 月 31 日前申请。</p>',
  keywords: '报停 停暖',
  status: 'PUBLISHED',
  position: 0,
  viewCount: 9,
  updatedAt: '2026-11-01T10:00:00+08:00',
};

function answer(extra: (call: GraphQLCall) => unknown = () => undefined) {
  return fakeGraphQL((call) => {
    const data = extra(call);
    if (data) return { data };
    if (call.operation === 'KnowledgeBaseCategories') return { data: { kbCategoriesAdmin: CATS } };
    if (call.operation === 'KnowledgeBaseArticles') {
      const items = call.variables.categoryId && call.variables.categoryId !== '2' ? [] : [ARTICLE];
      return { data: { kbArticlesAdmin: { total: items.length, items } } };
    }
    return { data: {} };
  });
}

describe('knowledge-base helpers', () => {
  it('renumbers only the categories a move changes', () => {
    expect(reorder(CATS, 2, -1)).toEqual([
      { id: '3', name: '缴费帮助', position: 2 },
      { id: '2', name: '报停规则', position: 3 },
    ]);
    expect(reorder(CATS, 0, -1)).toEqual([]);
    // Categories still at the default position 0 are all numbered.
    expect(reorder(CATS.map((c) => ({ ...c, position: 0 })), 0, 1).map((c) => c.position)).toEqual([1, 2, 3]);
  });
  it('trims the title and keywords', () => {
    expect(articleInput({ categoryId: '1', title: ' 标题 ', keywords: ' a b ', body: '<p>x</p>', status: 'DRAFT' }, 4)).toEqual({
      categoryId: '1',
      title: '标题',
      keywords: 'a b',
      body: '<p>x</p>',
      status: 'DRAFT',
      position: 4,
    });
  });
});

describe('KnowledgeBasePage', () => {
  beforeEach(signIn);
  afterEach(() => vi.unstubAllGlobals());

  it('filters articles by the chosen category and moves a category up', async () => {
    const calls = answer((call) =>
      call.operation === 'KnowledgeBaseSaveCategory' ? { saveKbCategory: { category: { id: call.variables.id, name: 'x', position: 1 }, errors: [] } } : undefined,
    );
    renderWithProviders(<KnowledgeBasePage />, { api: staffApi('TENANT_ADMIN') });
    expect((await screen.findByTestId('kb-article-21')).textContent).toBe('如何申请报停');
    fireEvent.click(screen.getByTestId('kb-category-1'));
    await waitFor(() => expect(calls.some((c) => c.operation === 'KnowledgeBaseArticles' && c.variables.categoryId === '1')).toBe(true));
    await waitFor(() => expect(screen.queryByTestId('kb-article-21')).toBeNull());
    fireEvent.click(screen.getByTestId('kb-category-up-3'));
    await waitFor(() => expect(calls.filter((c) => c.operation === 'KnowledgeBaseSaveCategory')).toHaveLength(2));
    expect(calls.filter((c) => c.operation === 'KnowledgeBaseSaveCategory').map((c) => c.variables)).toEqual([
      { id: '3', input: { name: '缴费帮助', position: 2 } },
      { id: '2', input: { name: '报停规则', position: 3 } },
    ]);
  });

  it('adds a category (a name is required; the API’s duplicate refusal lands on the field)', async () => {
    const calls = answer((call) =>
      call.operation === 'KnowledgeBaseSaveCategory'
        ? { saveKbCategory: { category: null, errors: [{ field: 'name', message: '已有同名分类。', code: 'INVALID' }] } }
        : undefined,
    );
    renderWithProviders(<KnowledgeBasePage />, { api: staffApi('TENANT_ADMIN') });
    fireEvent.click(await screen.findByTestId('kb-category-new'));
    fireEvent.click(await screen.findByTestId('kb-category-ok'));
    expect(await screen.findByText('请填写名称')).toBeTruthy();
    expect(calls.some((c) => c.operation === 'KnowledgeBaseSaveCategory')).toBe(false);
    fireEvent.change(screen.getByTestId('kb-category-name'), { target: { value: '账单说明' } });
    fireEvent.click(screen.getByTestId('kb-category-ok'));
    expect(await screen.findByText('已有同名分类。')).toBeTruthy();
    expect(calls.find((c) => c.operation === 'KnowledgeBaseSaveCategory')?.variables).toEqual({ id: null, input: { name: '账单说明', position: 4 } });
  });

  it('edits an article and saves it as a draft', async () => {
    const calls = answer((call) =>
      call.operation === 'KnowledgeBaseSaveArticle' ? { saveKbArticle: { article: { id: '21', status: 'DRAFT' }, errors: [] } } : undefined,
    );
    renderWithProviders(<KnowledgeBasePage />, { api: staffApi('TENANT_ADMIN') });
    fireEvent.click(await screen.findByTestId('kb-article-21'));
    const drawer = await screen.findByRole('dialog');
    await waitFor(() => expect((within(drawer).getByTestId('kb-article-title') as HTMLInputElement).value).toBe('如何申请报停'));
    expect(within(drawer).getByTestId('kb-article-body-area').innerHTML).toBe('<p>每年 10 月 31 日前申请。</p>');
    fireEvent.change(within(drawer).getByTestId('kb-article-keywords'), { target: { value: '报停 停暖 申请' } });
    fireEvent.click(within(drawer).getByText('草稿'));
    fireEvent.click(screen.getByTestId('kb-article-save'));
    await waitFor(() => expect(calls.some((c) => c.operation === 'KnowledgeBaseSaveArticle')).toBe(true));
    expect(calls.find((c) => c.operation === 'KnowledgeBaseSaveArticle')?.variables).toEqual({
      id: '21',
      input: { categoryId: '2', title: '如何申请报停', keywords: '报停 停暖 申请', body: '<p>每年 10 月 31 日前申请。</p>', status: 'DRAFT', position: 0 },
    });
  });
});
