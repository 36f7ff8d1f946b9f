// A small rich-text editor for announcements and knowledge-base articles: a contentEditable area with bold,
// heading, lists, links and pictures. Pictures go to POST /files/messaging/images/ with the staff token at once
// (the server re-encodes them and answers a public, content-addressed URL) and are placed where the caret was.
// Pasted content arrives as plain text: formatting from Word or a web page would only be stripped by the server.
// It is a form control (value / onChange: HTML), so Form.Item rules apply.
import { BoldOutlined, FontSizeOutlined, LinkOutlined, OrderedListOutlined, PictureOutlined, UnorderedListOutlined } from '@ant-design/icons';
import { App, Button, Input, Modal, Space, Tooltip } from 'antd';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../../api/client';
import { uploadFile } from '../../api/files';
import { useT } from '../../i18n';
import { IMAGE_PATH, IMAGE_TYPES, linkHref, MAX_IMAGE_BYTES, type UploadedImage } from './richtext';

export function uploadImage(file: Blob, name: string): Promise<UploadedImage> {
  return uploadFile<UploadedImage>(IMAGE_PATH, file, name);
}

/** Put `node` where the saved caret was (or at the end), and the caret after it. */
function insertAt(root: HTMLElement, range: Range | null, node: Node) {
  const inside = range && root.contains(range.commonAncestorContainer) ? range : null;
  if (inside) {
    inside.deleteContents();
    inside.insertNode(node);
  } else root.appendChild(node);
  const after = document.createRange();
  after.setStartAfter(node);
  after.collapse(true);
  const sel = window.getSelection();
  sel?.removeAllRanges();
  sel?.addRange(after);
}

export function RichTextEditor({ value, onChange, testId = 'richtext' }: { value?: string; onChange?: (html: string) => void; testId?: string }) {
  const t = useT();
  const { message } = App.useApp();
  const area = useRef<HTMLDivElement>(null);
  const saved = useRef<Range | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const [linkOpen, setLinkOpen] = useState(false);
  const [linkText, setLinkText] = useState('');
  const [linkError, setLinkError] = useState(false);
  const [uploading, setUploading] = useState(false);

  // Outside changes (a record opened for editing) replace the content; our own typing is already there.
  useEffect(() => {
    const el = area.current;
    if (el && el.innerHTML !== (value ?? '')) el.innerHTML = value ?? '';
  }, [value]);

  const emit = () => onChange?.(area.current?.innerHTML ?? '');
  const saveRange = () => {
    const sel = window.getSelection();
    if (sel && sel.rangeCount > 0 && area.current?.contains(sel.getRangeAt(0).commonAncestorContainer)) saved.current = sel.getRangeAt(0).cloneRange();
  };
  const exec = (command: string, arg?: string) => {
    area.current?.focus();
    document.execCommand(command, false, arg);
    emit();
  };

  const addLink = () => {
    const href = linkHref(linkText);
    if (!href) {
      setLinkError(true);
      return;
    }
    const root = area.current;
    if (!root) return;
    const range = saved.current;
    const a = document.createElement('a');
    a.href = href;
    a.textContent = range && !range.collapsed && root.contains(range.commonAncestorContainer) ? range.toString() : linkText.trim();
    insertAt(root, range, a);
    setLinkOpen(false);
    setLinkText('');
    emit();
  };

  const addImage = async (file: File) => {
    if (!IMAGE_TYPES.includes(file.type)) {
      message.error(t('只能插入 JPEG、PNG 或 WebP 图片', 'Only JPEG, PNG or WebP pictures'));
      return;
    }
    if (file.size > MAX_IMAGE_BYTES) {
      message.error(t('图片不能超过 5 MB', 'A picture may be at most 5 MB'));
      return;
    }
    setUploading(true);
    try {
      const { url } = await uploadImage(file, file.name || 'image.jpg');
      const root = area.current;
      if (!root) return;
      const img = document.createElement('img');
      img.src = url;
      img.alt = '';
      insertAt(root, saved.current, img);
      emit();
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    } finally {
      setUploading(false);
    }
  };

  const tool = (key: string, title: string, icon: ReactNode, onClick: () => void, loading = false) => (
    <Tooltip title={title} key={key}>
      <Button
        size="small"
        type="text"
        icon={icon}
        loading={loading}
        aria-label={title}
        data-testid={`${testId}-${key}`}
        // Keep the caret in the text: a click on the toolbar would otherwise take the selection away.
        onMouseDown={(e) => {
          saveRange();
          e.preventDefault();
        }}
        onClick={onClick}
      />
    </Tooltip>
  );

  return (
    <div style={{ border: '1px solid #d9d9d9', borderRadius: 4 }} data-testid={testId}>
      <Space size={2} style={{ borderBottom: '1px solid #f0f0f0', padding: 4, width: '100%' }} wrap>
        {tool('bold', t('加粗', 'Bold'), <BoldOutlined />, () => exec('bold'))}
        {tool('heading', t('小标题', 'Heading'), <FontSizeOutlined />, () => exec('formatBlock', 'h3'))}
        {tool('paragraph', t('正文', 'Paragraph'), <span style={{ fontSize: 12 }}>P</span>, () => exec('formatBlock', 'p'))}
        {tool('ul', t('无序列表', 'Bulleted list'), <UnorderedListOutlined />, () => exec('insertUnorderedList'))}
        {tool('ol', t('编号列表', 'Numbered list'), <OrderedListOutlined />, () => exec('insertOrderedList'))}
        {tool('link', t('插入链接', 'Insert a link'), <LinkOutlined />, () => {
          setLinkError(false);
          setLinkOpen(true);
        })}
        {tool('image', t('插入图片', 'Insert a picture'), <PictureOutlined />, () => fileInput.current?.click(), uploading)}
      </Space>
      <input
        ref={fileInput}
        type="file"
        accept={IMAGE_TYPES.join(',')}
        style={{ display: 'none' }}
        data-testid={`${testId}-file`}
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) void addImage(file);
        }}
      />
      <div
        ref={area}
        contentEditable
        suppressContentEditableWarning
        role="textbox"
        aria-multiline="true"
        data-testid={`${testId}-area`}
        className="heat-richtext"
        style={{ minHeight: 200, maxHeight: 480, overflowY: 'auto', padding: '8px 12px', outline: 'none' }}
        onInput={emit}
        onBlur={() => {
          saveRange();
          emit();
        }}
        onKeyUp={saveRange}
        onMouseUp={saveRange}
        onPaste={(e) => {
          e.preventDefault();
          const text = e.clipboardData.getData('text/plain');
          if (!document.execCommand('insertText', false, text) && area.current) insertAt(area.current, saved.current, document.createTextNode(text));
          emit();
        }}
      />
      <style>{'.heat-richtext img{max-width:100%;height:auto}.heat-richtext h3{font-size:16px;margin:8px 0}'}</style>
      <Modal
        open={linkOpen}
        title={t('插入链接', 'Insert a link')}
        onCancel={() => setLinkOpen(false)}
        onOk={addLink}
        okButtonProps={{ 'data-testid': `${testId}-link-ok` } as never}
        destroyOnHidden
      >
        <Input
          autoFocus
          value={linkText}
          status={linkError ? 'error' : undefined}
          placeholder="https://"
          data-testid={`${testId}-link-url`}
          onChange={(e) => {
            setLinkText(e.target.value);
            setLinkError(false);
          }}
          onPressEnter={addLink}
        />
        {linkError && <div style={{ color: '#ff4d4f', marginTop: 4 }}>{t('请输入 http(s) 网址', 'Enter an http(s) address')}</div>}
      </Modal>
    </div>
  );
}
