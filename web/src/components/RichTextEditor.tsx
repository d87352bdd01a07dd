import './email.css';
import Image from '@tiptap/extension-image';
import { EditorContent, useEditor, useEditorState } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import { type ReactNode, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * The rich-text email editor (TipTap/ProseMirror): bold, italic, underline, headings, lists, links and images by
 * URL. It edits HTML and reports HTML; `extra` adds tools to the toolbar (the template editor's placeholder
 * picker). The editor is the source of truth once mounted: `initialHtml` is read when it changes from outside.
 */
export function RichTextEditor({
  initialHtml,
  onChange,
  label,
  extra,
  onReady,
}: {
  initialHtml: string;
  onChange(html: string): void;
  label: string;
  extra?: ReactNode;
  onReady?(insert: (text: string) => void): void;
}) {
  const { t } = useTranslation('common');
  const editor = useEditor({
    extensions: [
      StarterKit.configure({ link: { openOnClick: false, autolink: true } }),
      Image.configure({ inline: false }),
    ],
    content: initialHtml,
    editorProps: { attributes: { 'aria-label': label, 'data-testid': 'rich-text', role: 'textbox' } },
    onUpdate: ({ editor: current }) => onChange(current.getHTML()),
  });
  useEffect(() => {
    if (editor && initialHtml !== editor.getHTML()) editor.commands.setContent(initialHtml);
  }, [editor, initialHtml]);
  useEffect(() => {
    if (editor && onReady) onReady((text) => editor.chain().focus().insertContent(text).run());
  }, [editor, onReady]);
  const active = useEditorState({
    editor,
    selector: ({ editor: current }) => ({
      bold: current?.isActive('bold') ?? false,
      italic: current?.isActive('italic') ?? false,
      underline: current?.isActive('underline') ?? false,
      bullet: current?.isActive('bulletList') ?? false,
      ordered: current?.isActive('orderedList') ?? false,
      link: current?.isActive('link') ?? false,
    }),
  });
  const [urlFor, setUrlFor] = useState<'link' | 'image' | null>(null);
  const [url, setUrl] = useState('');
  if (!editor) return null;
  const tool = (name: string, pressed: boolean | undefined, run: () => void) => (
    <button type="button" aria-pressed={pressed} onClick={run}>
      {name}
    </button>
  );
  const applyUrl = () => {
    const value = url.trim();
    if (urlFor === 'link') {
      if (value) editor.chain().focus().extendMarkRange('link').setLink({ href: value }).run();
      else editor.chain().focus().extendMarkRange('link').unsetLink().run();
    } else if (urlFor === 'image' && value) {
      editor.chain().focus().setImage({ src: value }).run();
    }
    setUrlFor(null);
    setUrl('');
  };
  return (
    <div className="rte">
      <div className="rte-toolbar" role="toolbar" aria-label={t('editor.toolbar')}>
        {tool(t('editor.bold'), active?.bold, () => editor.chain().focus().toggleBold().run())}
        {tool(t('editor.italic'), active?.italic, () => editor.chain().focus().toggleItalic().run())}
        {tool(t('editor.underline'), active?.underline, () => editor.chain().focus().toggleUnderline().run())}
        {tool(t('editor.bulletList'), active?.bullet, () => editor.chain().focus().toggleBulletList().run())}
        {tool(t('editor.orderedList'), active?.ordered, () =>
          editor.chain().focus().toggleOrderedList().run(),
        )}
        {tool(t('editor.link'), active?.link, () => {
          setUrl(String(editor.getAttributes('link').href ?? ''));
          setUrlFor('link');
        })}
        {tool(t('editor.image'), undefined, () => {
          setUrl('');
          setUrlFor('image');
        })}
        {extra}
      </div>
      {urlFor && (
        <div className="inline-form rte-url">
          <label>
            {urlFor === 'link' ? t('editor.linkUrl') : t('editor.imageUrl')}
            <input
              type="url"
              value={url}
              onChange={(event) => setUrl(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === 'Enter') {
                  event.preventDefault();
                  applyUrl();
                }
              }}
            />
          </label>
          <button type="button" className="primary" onClick={applyUrl}>
            {t('editor.apply')}
          </button>
          <button type="button" onClick={() => setUrlFor(null)}>
            {t('actions.cancel')}
          </button>
        </div>
      )}
      <EditorContent editor={editor} className="rte-content" />
    </div>
  );
}
